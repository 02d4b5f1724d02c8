"""Pacing SMS sends to the council's rate (Redis, tenant-aware keys). Counting people's actions
is core.ratelimit's job.

`SendPacer` paces every worker of a council together to the council's sending rate: each caller
reserves slots on one shared timeline (a single Lua script, so reservations from concurrent
workers never overlap) and waits for its turn. Redis' own clock is used, so the workers'
clocks do not matter.
"""

import time

from django.core.cache import cache

_RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
if next_free < now - 1000000 then
  next_free = now  -- idle for a second or more: no catching up
elseif next_free < now - burst then
  next_free = now - burst
end
local start = next_free
next_free = next_free + interval * count
redis.call('SET', KEYS[1], string.format('%d', next_free), 'PX',
           math.floor((next_free - now) / 1000) + 60000)
return start - now
"""


def _redis():
    # The client of Django's own Redis cache backend (django.core.cache.backends.redis).
    return cache._cache.get_client(write=True)


class SendPacer:
    """Slots at `rate` units per second for one council, shared by all workers."""

    _script = None

    def __init__(self, *, rate: float, key: str = "alerts:send-pace"):
        self.rate = rate
        self.key = cache.make_and_validate_key(key)  # carries the council's schema

    @classmethod
    def _reserve_script(cls):
        if cls._script is None:
            cls._script = _redis().register_script(_RESERVE)
        return cls._script

    def reserve(self, count: int, units_each: int = 1) -> tuple[float, float]:
        """Reserve `count` consecutive messages of `units_each` segments. Returns (first,
        spacing): the monotonic time at which the first may go, and the seconds between two.

        While sending goes on, slots left unused within the last `count` slots' time (a worker
        busy recording its previous chunk) may still be taken, so the average holds the rate;
        a burst above it is at most one chunk, which Twilio's queue absorbs. After a second of
        idleness there is no catching up."""
        spacing = units_each / self.rate
        interval_us = int(spacing * 1_000_000)
        wait_us = self._reserve_script()(
            keys=[self.key], args=[interval_us, count, interval_us * count]
        )
        return time.monotonic() + int(wait_us) / 1_000_000, interval_us / 1_000_000

    def reset(self) -> None:
        _redis().delete(self.key)
