"""The Dramatiq broker from RXINTAKE_BROKER_URL, with middleware chosen for this job.

Dramatiq's defaults (20 retries, backoff up to 7 days, a 10-minute limit, Redis recovery of a
dead worker's jobs after 60 s and a 1-in-1000 maintenance pass) suit neither a clinic nor its
staff. Here: a few retries with short backoff for transient faults only, none for permanent
ones, a per-job time limit, and `record_failure` (worker/actors.py) as the dead-letter path.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Callbacks, CurrentMessage, Retries, ShutdownNotifications, TimeLimit

from rxintake.errors import ConfigError
from rxintake.settings import Settings
from worker.db import is_transient_db_error

QUEUE = "rxintake"


def is_transient(exc: BaseException) -> bool:
    """A fault that passes by itself: a server down or restarting, a lock, a timeout."""
    if getattr(exc, "transient", False) or is_transient_db_error(exc):
        return True
    try:
        import redis
        if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
            return True
    except ImportError:  # pragma: no cover
        pass
    try:
        import pika.exceptions
        if isinstance(exc, pika.exceptions.AMQPConnectionError):
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(exc, ConnectionError | TimeoutError)


def middleware(settings: Settings) -> list:
    max_retries = settings.job_max_retries

    def retry_when(retries: int, exc: BaseException) -> bool:
        return retries < max_retries and is_transient(exc)

    return [
        CurrentMessage(),
        TimeLimit(time_limit=settings.job_time_limit_seconds * 1000, interval=1000),
        ShutdownNotifications(),
        Callbacks(),
        Retries(max_retries=max_retries, retry_when=retry_when,
                min_backoff=int(settings.job_min_backoff_seconds * 1000),
                max_backoff=int(settings.job_max_backoff_seconds * 1000)),
    ]


def kind(url: str) -> str:
    if url == "stub":
        return "stub"
    if url.startswith(("redis://", "rediss://", "unix://")):
        return "redis"
    if url.startswith(("amqp://", "amqps://")):
        return "rabbitmq"
    raise ConfigError(f"RXINTAKE_BROKER_URL={url!r}: use redis://..., amqp://... or stub")


def make_broker(settings: Settings) -> dramatiq.Broker:
    url = settings.broker_url
    mw = middleware(settings)
    k = kind(url)
    if k == "stub":
        broker = StubBroker(middleware=mw)
    elif k == "redis":
        import redis
        from dramatiq.brokers.redis import RedisBroker

        client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=10)
        broker = RedisBroker(client=client, middleware=mw, namespace="rxintake",
                             heartbeat_timeout=int(settings.redis_heartbeat_timeout_seconds * 1000),
                             maintenance_chance=settings.redis_maintenance_chance,
                             dead_message_ttl=settings.redis_dead_message_ttl_seconds * 1000)
    else:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker
        broker = RabbitmqBroker(url=url, middleware=mw, confirm_delivery=True)
    dramatiq.set_broker(broker)
    return broker
