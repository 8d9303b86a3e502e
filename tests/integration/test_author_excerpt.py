"""/author's source excerpt: the caret under the problem's character, counted in screen columns
(a Korean syllable takes two), and a long line cut around it by the same count."""
import html
import re

from tests.conftest import TINY_BANK


def _excerpt(body: str, line: int) -> tuple[str, str]:
    m = re.search(rf'<pre class="excerpt">\s*{line} \| (.*)\n\s*\| (.*?)</pre>', body)
    assert m, body
    return html.unescape(m.group(1)), html.unescape(m.group(2))


def _width(text: str) -> int:
    return sum(2 if "\uac00" <= ch <= "\ud7a3" else 1 for ch in text)


def test_the_caret_stands_under_its_character_after_korean_text(app):
    app.config["WTF_CSRF_ENABLED"] = False
    text = open(TINY_BANK, encoding="utf-8").read()
    lines = text.splitlines()
    n, line = next((i + 1, ln) for i, ln in enumerate(lines) if "ko:" in ln and ln.rstrip().endswith("}"))
    lines[n - 1] = line.rstrip()[:-1] + ", kr: 잘못}"
    body = app.test_client().post("/author/", data={"source": "\n".join(lines) + "\n"}).get_data(as_text=True)
    shown, caret = _excerpt(body, n)
    assert _width(shown[:shown.index("kr:")]) == caret.index("^") > shown.index("kr:")


def test_a_long_korean_line_is_cut_around_the_problem_and_the_caret_follows(app):
    app.config["WTF_CSRF_ENABLED"] = False
    text = open(TINY_BANK, encoding="utf-8").read()
    text = text.replace('title: {en: "Tiny bank", ko: "작은 문항집"}',
                        'title: {en: "Tiny bank", ko: "' + "작은 문항집 " * 60 + '", kr: x}')
    n = next(i + 1 for i, ln in enumerate(text.splitlines()) if ", kr: x}" in ln)
    body = app.test_client().post("/author/", data={"source": text}).get_data(as_text=True)
    shown, caret = _excerpt(body, n)
    assert shown.startswith("…") and "kr: x}" in shown
    assert _width(shown) <= 202  # EXCERPT_WIDTH screen columns and the two '…'
    assert _width(shown[:shown.index("kr:")]) == caret.index("^")
