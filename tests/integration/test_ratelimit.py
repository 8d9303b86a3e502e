"""The submission rate limit across real gunicorn instances: one count per client address, kept in
Redis so every process and host enforces the same budget, keyed by the address the proxy saw."""
from __future__ import annotations

import json
import random

import pytest

from bench.servers import Server, request
from tests.conftest import TINY_BANK
from tests.integration.test_multiprocess import TINY_ANSWERS, migrated

pytestmark = [pytest.mark.slow, pytest.mark.redis]

BODY = {"bank": "tiny", "answers": TINY_ANSWERS}


def a_client_address() -> str:
    """An address no other test run uses, so counts left in Redis by earlier runs don't matter."""
    return "10.{}.{}.{}".format(*(random.randrange(1, 255) for _ in range(3)))


@pytest.fixture
def database(tmp_path):
    return migrated(tmp_path)[0]


def test_the_limit_is_one_budget_across_two_instances_behind_a_proxy(database, redis_url):
    env = {"DATABASE_URL": database, "QUIZ_BANKS": TINY_BANK, "SECRET_KEY": "shared", "REDIS_URL": redis_url,
           "QUIZ_RATE_LIMIT": "5/minute", "QUIZ_PROXY_HOPS": "1"}
    a, b = Server("A", env=env), Server("B", env=env)
    taker, neighbour = a_client_address(), a_client_address()
    with a, b:
        statuses = []
        for i in range(8):  # a load balancer alternating between the instances
            server = (a, b)[i % 2]
            status, headers, body = request(server.port, "POST", "/api/results", BODY,
                                            headers={"X-Forwarded-For": taker})
            statuses.append(status)
            if status == 429:
                error = json.loads(body)["error"]
                assert error["code"] == "rate_limited" and error["message"]
                assert headers["content-type"].startswith("application/json")
        assert statuses == [201] * 5 + [429] * 3
        # Someone else behind the same proxy still gets through, on either instance.
        for server in (a, b):
            status, _, body = request(server.port, "POST", "/api/results", BODY,
                                      headers={"X-Forwarded-For": neighbour})
            assert status == 201, body


def test_a_forged_forwarded_for_header_does_not_reset_the_count_without_a_trusted_proxy(database, redis_url):
    import redis
    store = redis.Redis.from_url(redis_url)
    for key in store.scan_iter("*127.0.0.1*"):  # this test's client is the loopback address
        store.delete(key)
    env = {"DATABASE_URL": database, "QUIZ_BANKS": TINY_BANK, "SECRET_KEY": "s", "REDIS_URL": redis_url,
           "QUIZ_RATE_LIMIT": "3/minute", "QUIZ_PROXY_HOPS": "0"}
    with Server("direct", env=env) as server:
        statuses = [request(server.port, "POST", "/api/results", BODY,
                            headers={"X-Forwarded-For": a_client_address()})[0] for _ in range(5)]
    assert statuses == [201] * 3 + [429] * 2


def test_submissions_go_on_when_redis_is_down_and_each_process_keeps_counting(database):
    # A Redis that is not there: nothing listens on this port.
    from bench.servers import free_port
    env = {"DATABASE_URL": database, "QUIZ_BANKS": TINY_BANK, "SECRET_KEY": "s",
           "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "QUIZ_RATE_LIMIT": "3/minute", "QUIZ_PROXY_HOPS": "1"}
    with Server("no redis", env=env, workers=1) as server:
        client = {"X-Forwarded-For": a_client_address()}
        statuses = [request(server.port, "POST", "/api/results", BODY, headers=client)[0] for _ in range(5)]
    assert statuses == [201] * 3 + [429] * 2
