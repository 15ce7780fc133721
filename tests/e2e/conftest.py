"""Launch the real app in-process on a free port, as `emojigen serve` would."""

from __future__ import annotations

import socket

import pytest

from emojigen import Pipeline, Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    from ui.app import launch

    settings = Settings(port=_free_port(), outputs_dir=tmp_path_factory.mktemp("served-outputs"))
    demo = launch(Pipeline(settings), prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{settings.port}/"
    demo.close()
