"""The results page cache: capped by the bytes it holds, never serving a page other than the one a
fresh render gives, never outliving a delete. Through HTTP on a real SQLite file (tiny bank)."""
from __future__ import annotations

import secrets

from quiz.web.results import PageCache
from tests.conftest import make_app
from tests.integration.test_results import ANSWERS


def _submit(client, answers=ANSWERS) -> dict:
    r = client.post("/api/results", json={"bank": "tiny", "answers": answers, "lang": "en"})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def test_the_cache_holds_no_more_bytes_than_its_cap_and_drops_the_least_recently_used():
    cache = PageCache(max_bytes=4000)
    pages = {f"t{i}": secrets.token_hex(600).encode() for i in range(10)}  # ~1.2 KB, incompressible
    for token, html in pages.items():
        cache.put((token, "en", "http://x"), html, token)
        cache.get(("t0", "en", "http://x"))  # t0 is used all the time: it stays
        assert cache.bytes <= 4000
    assert cache.get(("t0", "en", "http://x")) == (pages["t0"], "t0")
    assert cache.get(("t9", "en", "http://x")) == (pages["t9"], "t9")
    assert cache.get(("t1", "en", "http://x")) is None  # oldest unused: dropped
    cache.forget("t9")
    assert cache.get(("t9", "en", "http://x")) is None
    assert cache.bytes == sum(cost for _page, cost in cache._pages._items.values())  # the count stays true


def test_a_page_too_big_for_the_cache_is_still_served_whole(tmp_path):
    app = make_app(tmp_path, QUIZ_RESULT_PAGE_CACHE_BYTES=100)  # smaller than any page
    client = app.test_client()
    token = _submit(client)["token"]
    first = client.get(f"/r/{token}?lang=en")
    second = client.get(f"/r/{token}?lang=en")
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data() and "<h1>Researcher</h1>" in first.get_data(as_text=True)
    assert first.headers["ETag"] == second.headers["ETag"]


def test_a_cache_of_zero_bytes_keeps_nothing(tmp_path):
    # 0 means off (a benchmark that wants every request rendered), not "use the default".
    app = make_app(tmp_path, QUIZ_RESULT_PAGE_CACHE_BYTES=0)
    client = app.test_client()
    token = _submit(client)["token"]
    assert client.get(f"/r/{token}?lang=en").status_code == 200
    cache = app.extensions["result_pages"]
    assert cache.max_bytes == 0 and cache.bytes == 0


def test_pages_pushed_out_of_a_small_cache_come_back_the_same_and_deleted_ones_stay_gone(tmp_path):
    app = make_app(tmp_path, QUIZ_RESULT_PAGE_CACHE_BYTES=12_000)  # a few compressed pages
    client = app.test_client()
    results = [_submit(client) for _ in range(12)]
    first = {}
    for lang in ("en", "ko"):
        for r in results:
            page = client.get(f"/r/{r['token']}?lang={lang}")
            assert page.status_code == 200
            first[r["token"], lang] = (page.get_data(), page.headers["ETag"], page.content_type)
    with app.app_context():
        from quiz.web.results import page_cache
        assert page_cache().bytes <= 12_000
    for (token, lang), (body, etag, ctype) in first.items():  # some cached, most rendered again
        again = client.get(f"/r/{token}?lang={lang}")
        assert (again.get_data(), again.headers["ETag"], again.content_type) == (body, etag, ctype)
    assert first[results[0]["token"], "ko"][2] == "text/html; charset=utf-8"
    gone = results[-1]
    assert client.delete(f"/api/results/{gone['token']}",
                         headers={"X-Delete-Key": gone["delete_key"]}).status_code == 204
    assert client.get(f"/r/{gone['token']}?lang=en").status_code == 404
