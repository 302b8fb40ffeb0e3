"""Real-time push (core.realtime): group names, signed subscriptions, publishing after commit,
and the consumer end to end over the in-memory layer and over Redis (database 6)."""

from __future__ import annotations

import os
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.core import signing
from django.db import transaction

from onewindow.core import realtime
from onewindow.core.tests.ws import WsClient, run_async

REDIS_URL = os.environ.get("ONEWINDOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(params=["memory", "redis"])
def layer(request, settings):  # type: ignore[no-untyped-def]
    """The push path runs against both layers the platform uses."""
    if request.param == "redis":
        if not _redis_up():
            pytest.skip(f"Redis not reachable at {REDIS_URL}")
        settings.CHANNEL_LAYERS = {"default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"owtest{uuid.uuid4().hex[:8]}"}}}
    else:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return request.param


def test_group_names_are_safe_and_short():
    assert realtime.group_name("hall", "3f2a", "screen") == "ow.hall.3f2a.screen"
    assert realtime.group_name("chat", "a b/c:d") == "ow.chat.a_b_c_d"
    long = realtime.group_name("x" * 200)
    assert len(long) < 100 and long.startswith("ow.")
    assert realtime.group_name("x" * 200) == long  # stable
    with pytest.raises(ValueError):
        realtime.group_name()


def test_subscription_tokens_are_signed_and_limited_to_our_groups():
    token = realtime.subscription_token(["ow.hall.1.screen", "ow.hall.1.screen", "other"])
    assert realtime.subscription_groups(token) == ["ow.hall.1.screen"]
    with pytest.raises(signing.BadSignature):
        realtime.subscription_groups(token[:-2] + "xx")
    forged = signing.dumps({"g": ["ow.hall.1.screen"]}, salt="another purpose")
    with pytest.raises(signing.BadSignature):
        realtime.subscription_groups(forged)


def test_web_workers_one_process_on_the_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert realtime.layer_backend() == "memory"
    assert realtime.web_workers(4) == 1
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer"}}
    assert realtime.web_workers(4) == 4
    assert realtime.web_workers(0) == 1


async def _connect(token: str) -> WsClient:
    communicator = WsClient(realtime.PushConsumer.as_asgi(), f"/ws/push/?t={token}")
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    hello = await communicator.receive_json_from(timeout=5)
    assert hello["event"] == "hello"
    return communicator


# Channels closes stale database connections around every consumer step (in the thread of
# synchronous code): these tests therefore run with a database, outside a test transaction.
@pytest.mark.django_db(transaction=True)
def test_push_reaches_subscribed_pages_only(layer):
    screen = realtime.group_name("hall", "h1", "screen")
    other = realtime.group_name("hall", "h2", "screen")

    async def scenario() -> None:
        a = await _connect(realtime.subscription_token([screen]))
        b = await _connect(realtime.subscription_token([other]))
        # published from synchronous code (a view) as it happens in a request
        sent = await sync_to_async(realtime.publish_now)(screen, "call", {"number": "A001"})
        assert sent
        message = await a.receive_json_from(timeout=5)
        assert message["event"] == "call" and message["data"] == {"number": "A001"}
        assert isinstance(message["sent_at"], int)
        assert await b.receive_nothing(timeout=0.3)
        await a.send_json_to({"ping": 7})
        assert await a.receive_json_from(timeout=5) == {"pong": 7}
        await a.disconnect()
        await b.disconnect()

    run_async(scenario)


@pytest.mark.django_db(transaction=True)
def test_a_bad_token_is_refused(layer):
    async def scenario() -> None:
        communicator = WsClient(realtime.PushConsumer.as_asgi(), "/ws/push/?t=nope")
        connected, code = await communicator.connect(timeout=5)
        assert not connected
        assert code == 4403

    run_async(scenario)


@pytest.mark.django_db(transaction=True)
def test_publish_waits_for_commit_and_drops_on_rollback(layer):
    group = realtime.group_name("test", uuid.uuid4().hex)

    def write(rollback: bool, number: str) -> None:
        try:
            with transaction.atomic():
                realtime.publish(group, "call", {"number": number})
                if rollback:
                    raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    async def scenario() -> None:
        page = await _connect(realtime.subscription_token([group]))
        await sync_to_async(write)(True, "A001")
        assert await page.receive_nothing(timeout=0.3)
        await sync_to_async(write)(False, "A002")
        message = await page.receive_json_from(timeout=5)
        assert message["data"] == {"number": "A002"}
        await page.disconnect()

    run_async(scenario)


def test_publishing_to_a_group_without_pages_is_harmless(layer):
    assert realtime.publish_now(realtime.group_name("nobody", "here"), "x", {}) is True


def test_a_failing_layer_never_breaks_the_caller(monkeypatch):
    class Broken:
        async def group_send(self, group, message):  # type: ignore[no-untyped-def]
            raise ConnectionError("redis down")

    monkeypatch.setattr(realtime, "get_channel_layer", lambda: Broken())
    assert realtime.publish_now("ow.x", "call", {}) is False
