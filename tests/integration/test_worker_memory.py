"""What a server process loads: Pillow (+5 MB RSS in every worker) only once a share card is drawn."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, TINY_BANK, make_app


def test_pillow_loads_only_when_a_share_card_is_drawn(tmp_path):
    url = f"sqlite:///{tmp_path}/quiz.sqlite3"
    app = make_app(tmp_path, database_url=url)
    from quiz.extensions import db
    with app.app_context():
        db.engine.dispose()
    script = (
        "import sys\n"
        "from quiz import create_app\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': {url!r}, 'QUIZ_BANKS': {TINY_BANK!r}, 'SECRET_KEY': 'x',\n"
        f"                  'QUIZ_PREVIEW_DIR': {str(tmp_path / 'previews')!r}}})\n"
        "client = app.test_client()\n"
        "answers = {'fundamentals': 5, 'first-week': 'read-papers', 'tools': ['pytorch'], 'process-work': 4}\n"
        "made = client.post('/api/results', json={'bank': 'tiny', 'answers': answers})\n"
        "token = made.get_json()['token']\n"
        "pages = [client.get(p).status_code for p in ('/', '/quiz/tiny', f'/r/{token}', f'/api/results/{token}')]\n"
        "before = 'PIL' in sys.modules\n"
        "png = client.get(f'/r/{token}.png')\n"
        "print(made.status_code, pages, before, png.status_code, png.data[:8] == b'\\x89PNG\\r\\n\\x1a\\n')\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "201 [200, 200, 200, 200] False 200 True"
