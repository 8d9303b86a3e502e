"""What a server process loads: Pillow (+5 MB RSS in every worker) only once a share card is drawn."""
from __future__ import annotations

from tests.conftest import run_in_a_fresh_process


def test_pillow_loads_only_when_a_share_card_is_drawn(tmp_path):
    printed = run_in_a_fresh_process(tmp_path, (
        "client = app.test_client()\n"
        "answers = {'fundamentals': 5, 'first-week': 'read-papers', 'tools': ['pytorch'], 'process-work': 4}\n"
        "made = client.post('/api/results', json={'bank': 'tiny', 'answers': answers})\n"
        "token = made.get_json()['token']\n"
        "pages = [client.get(p).status_code for p in ('/', '/quiz/tiny', f'/r/{token}', f'/api/results/{token}')]\n"
        "before = 'PIL' in sys.modules\n"
        "png = client.get(f'/r/{token}.png')\n"
        "print(made.status_code, pages, before, png.status_code, png.data[:8] == b'\\x89PNG\\r\\n\\x1a\\n')\n"),
        QUIZ_PREVIEW_DIR=str(tmp_path / "previews"))
    assert printed == "201 [200, 200, 200, 200] False 200 True"
