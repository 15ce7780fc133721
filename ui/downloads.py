"""GET /results/{id}/{name}: one result's file, wherever this replica finds it.

The local copy when there is one; else, with object storage, the file is fetched from the bucket into
the local folder (a result another replica made) and served, or, with `redirect=True`, the client is sent
to a presigned URL (no bytes through this process; the bucket's endpoint must be reachable by clients).
Kept uploads (outputs/private/), path traversal, malformed and unknown ids are all the same 404, so the
route says nothing about what exists. ASGI middleware, like ui/limits.RateLimit: it sees the request
before Gradio's routes and needs no change to them.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response

from emojigen.storage import StorageError
from emojigen.store import OutputStore

log = logging.getLogger(__name__)
ROUTE = "/results/"
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}


class Downloads:
    def __init__(self, app: Any, store: OutputStore, redirect: bool = False) -> None:
        self.app, self.store, self.redirect = app, store, redirect

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(ROUTE):
            await self.app(scope, receive, send)
            return
        response = await self.answer(scope)
        await response(scope, receive, send)

    async def answer(self, scope: dict[str, Any]) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            return PlainTextResponse("Method Not Allowed", status_code=405, headers={"Allow": "GET, HEAD"})
        # The raw path, decoded once, then split: an encoded "/" makes a third part (404); ".." is no name.
        raw = scope.get("raw_path") or scope["path"].encode()
        parts = urllib.parse.unquote(raw.decode("latin-1").split("?", 1)[0])[len(ROUTE):].split("/")
        if len(parts) != 2:
            return _not_found()
        result_id, name = parts
        try:
            path = self.store.local(result_id, name)
            if path is None and self.redirect and self.store.objects is not None:
                url = await run_in_threadpool(self._existing_url, result_id, name)
                return RedirectResponse(url, status_code=307, headers=HEADERS)
            if path is None:
                path = await run_in_threadpool(self.store.fetch, result_id, name)
        except (ValueError, FileNotFoundError):
            return _not_found()
        except StorageError:  # logged with the detail where it was raised
            return PlainTextResponse("Storage unavailable", status_code=503, headers={"Retry-After": "5"})
        return FileResponse(path, filename=name, headers=HEADERS)

    def _existing_url(self, result_id: str, name: str) -> str:
        """A presigned URL for a file the bucket has (an unknown file is this route's 404, not the bucket's)."""
        url = self.store.url(result_id, name)
        if url is None or not self.store.objects.exists(f"{result_id}/{name}"):
            raise FileNotFoundError(f"{result_id}/{name}")
        return url


def _not_found() -> Response:
    return PlainTextResponse("Not Found", status_code=404)
