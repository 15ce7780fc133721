"""Keeping the server answering under load: a per-client rate limit on the routes that start work, and
a "busy, try again in N s" in both languages when the queue is full (instead of Gradio's own English
"Queue is full").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import JSONResponse

# The routes through which a request enters the queue or runs a function.
WORK_ROUTES = ("/gradio_api/queue/join", "/gradio_api/call/", "/gradio_api/run/", "/gradio_api/api/")
SECONDS_PER_STICKER = 0.5  # about what one classic sticker takes on a CPU core: for the "try again" hint
IDLE_FORGET = 600.0  # seconds after which a quiet client's bucket is dropped (the table stays small)


def busy_message(seconds: int) -> str:
    return f"服务器正忙，请 {seconds} 秒后再试。\nThe server is busy; please try again in {seconds} s."


def too_many_message(seconds: int) -> str:
    return f"请求太频繁，请 {seconds} 秒后再试。\nToo many requests; please try again in {seconds} s."


class TokenBuckets:
    """`per_minute` requests per client, in bursts of up to that many; thread-safe."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()
        self._pruned = time.monotonic()

    def take(self, client: str, now: float | None = None) -> float:
        """0 if the client may go ahead (a token is taken), else the seconds until it may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, when = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - when) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[client] = (tokens, now)
                wait = (1 - tokens) / self.rate
            if now - self._pruned > IDLE_FORGET:
                self._buckets = {c: b for c, b in self._buckets.items() if now - b[1] < IDLE_FORGET}
                self._pruned = now
            return wait


class RateLimit:
    """ASGI middleware: a client (by its address) that starts work
    more often than the limit is answered at once with HTTP 429, Retry-After and a message in both
    languages; nothing is queued for it."""

    def __init__(self, app: Callable[..., Awaitable[None]], per_minute: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith(WORK_ROUTES):
            wait = self.buckets.take(_client(scope))
            if wait > 0:
                seconds = max(1, round(wait))
                message = too_many_message(seconds)
                response = JSONResponse({"detail": message, "error": message}, status_code=429,
                                        headers={"Retry-After": str(seconds)})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _client(scope: dict[str, Any]) -> str:
    """The client's address. Not X-Forwarded-For as sent (any client could write one per request):
    behind a proxy, the server rewrites the address from it for the proxies it trusts."""
    client = scope.get("client")
    return client[0] if client else "unknown"


def answer_busy_in_both_languages(queue: Any, seconds: int) -> None:
    """Make a full queue's answer (HTTP 503, at once) say "busy, try again in N s" in zh and en."""
    push = queue.push

    async def push_or_busy(*args: Any, **kwargs: Any) -> tuple:
        accepted, message, state = await push(*args, **kwargs)
        if state == "queue_full":
            message = busy_message(seconds)
        return accepted, message, state

    queue.push = push_or_busy
