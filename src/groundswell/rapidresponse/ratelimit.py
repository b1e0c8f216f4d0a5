"""Fixed-window counters in the shared cache (the database cache in production, the
one login lockout uses), so a flood is refused across every web process."""

from __future__ import annotations

import time

from django.core.cache import cache

from groundswell.core.crypto import blind_index


def hit(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one request; False once ``limit`` requests came in this window. The key
    (an IP address) is stored only as an HMAC."""
    window = int(time.time() // window_seconds)
    digest = blind_index(key or "-", purpose="rapidresponse.ratelimit")[:32]
    bucket = f"rr-rate:{scope}:{digest}:{window}"
    if cache.add(bucket, 1, timeout=window_seconds * 2):
        return limit >= 1
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window_seconds * 2)
        count = 1
    return count <= limit
