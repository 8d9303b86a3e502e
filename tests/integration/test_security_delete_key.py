"""Issue 12, finding 6: a delete key stays out of what others can read.

- In the access log: `GET /r/<token>/delete?key=…` is logged as `key=[redacted]`, on real gunicorn
  log lines (tests/integration/test_security_logs.py).
- In the session cookie: Flask's cookie is signed, not encrypted; anyone who sees it can decode it.
  It holds each delete key sealed under SECRET_KEY (quiz.web.links.seal), never the key itself,
  and the taker's own result page still offers "Delete my result" with the key.
"""
from __future__ import annotations

import base64
import re
import zlib

import pytest

from tests.conftest import make_app
from tests.integration.test_security_web import finished_taker, owner_key

pytestmark = pytest.mark.db


def readable_session(client) -> str:
    """What anyone holding the cookie can read without the secret: its decoded payload."""
    value = client.get_cookie("session").value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def test_finding_6_the_session_cookie_never_holds_a_delete_key_readably(app, client):
    _taker, token = finished_taker(client)
    key = owner_key(client, token)  # the owner's page offers the delete link, with the key
    cookie = readable_session(client)
    assert token in cookie            # the cookie says which result this browser may delete...
    assert key not in cookie          # ...but not the key that deletes it
    assert key not in client.get_cookie("session").value
    # The key from the page deletes the result.
    assert client.delete(f"/api/results/{token}", headers={"X-Delete-Key": key}).status_code == 204


def test_finding_6_a_sealed_key_opens_only_its_own_result_and_only_under_its_secret(tmp_path):
    from quiz.web.links import seal, unseal
    (tmp_path / "one").mkdir()
    (tmp_path / "other").mkdir()
    one = make_app(tmp_path / "one", SECRET_KEY="one secret, the deployment's")
    other = make_app(tmp_path / "other", SECRET_KEY="another deployment's secret")
    token, key = "t" * 32, "k" * 32
    with one.app_context():
        sealed = seal(token, key)
        assert key not in sealed and unseal(token, sealed) == key
        assert unseal("u" * 32, sealed) != key                     # another result's slot
        for junk in ("", "not base64 !", "k" * 32, None, 7, ["x"], "A" * 4000):
            assert unseal(token, junk) != key                      # never an exception either
    with other.app_context():
        assert unseal(token, sealed) != key                        # another SECRET_KEY


def test_finding_6_a_cookie_from_before_the_fix_offers_no_delete_link(app, client):
    """A session written before keys were sealed (the key in the clear) is not trusted as one."""
    _taker, token = finished_taker(client)
    key = owner_key(client, token)
    with client.session_transaction() as s:
        s["delete_keys"] = {token: key}
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Delete my result" not in page and not re.search(re.escape(key), page)
