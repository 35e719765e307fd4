"""Rate limits counted in fixed windows: one cache operation per request, whatever the rate.

DRF's throttles keep each client's request times for the whole window and
read and write the list on every request, so their cost grows with the rate
allowed (at 1200/minute, a list of up to 1200 times, unpickled and pickled
again per request; more for an integration allowed more). These count
requests per client in windows of the rate's duration instead: the first
request of a window adds its counter, the others increment it (atomic in
Redis and in the local-memory cache), and it expires with the window.

The price is the usual one of fixed windows: a client may spend a full
window's allowance at the end of one window and again at the start of the
next. `Retry-After` is the time left in the current window.
"""

from rest_framework import throttling


class FixedWindowMixin:
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        key = f"{key}:{window}"
        self.wait_seconds = (window + 1) * self.duration - now
        try:
            count = self.cache.incr(key)
        except ValueError:  # the window's first request (or its counter just expired)
            # Unless another process added it meanwhile.
            count = 1 if self.cache.add(key, 1, self.duration + 1) else self.cache.incr(key)
        return count <= self.num_requests

    def wait(self):
        return self.wait_seconds


class UserRateThrottle(FixedWindowMixin, throttling.UserRateThrottle):
    """Per user (per IP for anonymous requests), at API_THROTTLE_USER."""


class AnonRateThrottle(FixedWindowMixin, throttling.AnonRateThrottle):
    """Per IP for anonymous requests, at API_THROTTLE_ANON."""
