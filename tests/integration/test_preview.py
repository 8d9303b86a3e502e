"""The 1200×630 PNG preview: a valid image, Hangul drawn from the shipped font, cached, deleted."""
from __future__ import annotations

import io
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from quiz.web import card as preview

ANSWERS = {"fundamentals": 5, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 4}
HANGUL = "연구자엔지니어하이브리드"


def submit(client, lang="ko"):
    r = client.post("/api/results", json={"bank": "tiny", "answers": ANSWERS, "lang": lang})
    assert r.status_code == 201
    return r.get_json()


def open_png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data))
    image.verify()  # a truncated or corrupt file fails here
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (1200, 630)
    return image.convert("RGB")


def glyph(ch: str) -> bytes:
    """The shipped font's bitmap of one character."""
    face = preview.font(48)
    mask = face.getmask(ch)
    return bytes(mask)


def test_the_font_is_in_the_repository_with_its_licence():
    assert os.path.isfile(preview.REGULAR) and os.path.isfile(preview.BOLD)
    licence = open(os.path.join(preview.FONT_DIR, "OFL.txt"), encoding="utf-8").read()
    assert "SIL OPEN FONT LICENSE" in licence and "NAVER" in licence


def test_the_font_has_real_glyphs_for_hangul_not_missing_glyph_boxes():
    missing = glyph("\ue000")  # a private-use character no font here defines: the "tofu" box
    bitmaps = {ch: glyph(ch) for ch in HANGUL}
    for ch, bitmap in bitmaps.items():
        assert any(bitmap), ch
        assert bitmap != missing, f"{ch} is drawn as the missing-glyph box"
    assert len(set(bitmaps.values())) == len(set(HANGUL))  # every syllable drawn differently


def test_a_korean_result_preview_is_a_1200x630_png_with_hangul_on_it(client):
    token = submit(client)["token"]
    r = client.get(f"/r/{token}.png?lang=ko")
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert r.headers["X-Robots-Tag"] == "noindex"
    ko = open_png(r.data)
    en = open_png(client.get(f"/r/{token}.png?lang=en").data)
    # The headline band differs between the Korean and the English card, and has ink on it.
    band = (64, 96, 1136, 180)
    assert ImageChops.difference(ko.crop(band), en.crop(band)).getbbox() is not None
    assert ko.crop(band).convert("L").getextrema()[0] < 80


def test_the_preview_card_says_the_path_scores_and_archetype_in_the_viewers_language(app, client):
    from quiz import service
    from quiz.web.results import preview_card
    token = submit(client)["token"]
    with app.test_request_context():
        result = service.get_result(token)
        card = preview_card(result, "ko")
        assert card.headline == "연구자"
        assert [b.label for b in card.bars] == ["연구자", "엔지니어", "운영"]
        assert [b.primary for b in card.bars] == [True, False, False]
        assert card.archetype.startswith("가장 닮은 하루: 이○○: 깊은 연구")
        assert card.footer == "결과는 판정이 아니라 거울이에요."
        assert preview_card(result, "en").headline == "Researcher"


def test_the_preview_is_rendered_once_then_served_from_the_cache(app, client):
    token = submit(client)["token"]
    first = client.get(f"/r/{token}.png?lang=ko")
    cached = os.path.join(app.config["QUIZ_PREVIEW_DIR"], f"{token}.ko.png")
    assert os.path.isfile(cached)
    again = client.get(f"/r/{token}.png?lang=ko")
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert client.get(f"/r/{token}.png?lang=ko", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    # Swap the kept file for another image: the next answer is that file, so nothing re-rendered.
    marker = io.BytesIO()
    Image.new("RGB", (1200, 630), (255, 0, 0)).save(marker, format="PNG")
    with open(cached, "wb") as fh:
        fh.write(marker.getvalue())
    assert client.get(f"/r/{token}.png?lang=ko").data == marker.getvalue()


def test_the_image_speaks_the_results_language_unless_asked_and_sets_no_cookie(client):
    # The card is fetched by the unfurling bot of whoever posts the link: it shows what the taker
    # saw, not the language of that bot (or of a person opening the image).
    token = submit(client, lang="ko")["token"]
    ko, en = client.get(f"/r/{token}.png?lang=ko").data, client.get(f"/r/{token}.png?lang=en").data
    assert ko != en
    for headers in ({}, {"Accept-Language": "en-US,en;q=0.9"}):
        r = client.get(f"/r/{token}.png", headers=headers)
        assert r.data == ko
        assert "Set-Cookie" not in r.headers
    english = submit(client, lang="en")["token"]
    assert client.get(f"/r/{english}.png", headers={"Accept-Language": "ko-KR"}).data == \
        client.get(f"/r/{english}.png?lang=en").data


def test_unknown_or_odd_tokens_get_404_and_write_no_file(app, client):
    for token in ("nope", "..%2F..%2Fsecret", "a" * 65):
        assert client.get(f"/r/{token}.png").status_code == 404
    folder = os.path.join(app.config["QUIZ_PREVIEW_DIR"])
    assert not os.path.isdir(folder) or os.listdir(folder) == []


def test_cache_paths_refuse_unsafe_names(tmp_path):
    assert preview.cache_path(str(tmp_path), "../../etc/passwd", "en") is None
    assert preview.cache_path(str(tmp_path), "abcdefgh", "e/n") is None
    assert preview.cache_path(str(tmp_path), "abcdefgh", "ko").endswith("abcdefgh.ko.png")


text = st.text(alphabet=st.sampled_from(list("연구자엔지니어하이브리드 가나다 AIOps-engineer ·")), min_size=0, max_size=120)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headline=text, labels=st.lists(text, min_size=1, max_size=6), scores=st.lists(
    st.floats(min_value=-50, max_value=150, allow_nan=False), min_size=6, max_size=6), footer=text)
def test_any_texts_and_scores_draw_a_card_of_the_right_size(headline, labels, scores, footer):
    card = preview.Card(brand="Know Yourself", headline=headline, subline=footer,
                        bars=[preview.Bar(label, score) for label, score in zip(labels, scores)],
                        archetype=footer, footer=footer)
    assert open_png(preview.render(card)).size == (1200, 630)
