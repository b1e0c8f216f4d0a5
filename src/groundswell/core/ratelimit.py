"""The one rate limiter: counters in the shared cache (the database cache in
production, the one login lockout uses), so a flood is refused across every web
process. Keys such as a client's address are stored only as a keyed hash."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache

from groundswell.core.crypto import blind_index


def _bucket(scope: str, key: str) -> str:
    digest = blind_index(key or "-", purpose="ratelimit")[:32]
    return f"rate:{scope}:{digest}"


def exceeded(scope: str, key: str, *, limit: int, window: timedelta) -> bool:
    """Count one attempt under ``scope`` and ``key``; True once more than ``limit``
    attempts came within ``window`` of the first one."""
    bucket, seconds = _bucket(scope, key), max(1, int(window.total_seconds()))
    if cache.add(bucket, 1, seconds):
        return limit < 1
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, seconds)
        count = 1
    return count > limit


def attempts(scope: str, key: str) -> int:
    """Attempts counted in the current window, without counting one more."""
    return int(cache.get(_bucket(scope, key)) or 0)


def forget(scope: str, key: str) -> None:
    cache.delete(_bucket(scope, key))
