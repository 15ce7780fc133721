"""One rule for what a test needs from the machine (a browser, fonts, downloaded photos, build tools):
CI is set up to have it, so there its absence fails the test; elsewhere the test is skipped, saying how
to get it."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(what: str, how: str) -> NoReturn:
    """Fail under CI, skip elsewhere. `what` is what is missing, `how` how to get it."""
    if os.environ.get("CI"):
        pytest.fail(f"{what}: CI must provide it ({how})")
    pytest.skip(f"{what} ({how})")
