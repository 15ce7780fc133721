"""Turning the page's values into requests."""

import pytest

from emojigen import BadInput
from ui.handlers import optional_int, sticker_request


def test_seed_box_values():
    assert optional_int("") is None and optional_int("  ") is None and optional_int(None) is None
    assert optional_int("42") == 42 and optional_int(7.0) == 7 and optional_int(" 3 ") == 3
    for bad in ("abc", "1.5", 2.5):
        with pytest.raises(BadInput, match="is not a whole number"):
            optional_int(bad)


def test_an_empty_seed_box_means_a_random_seed_and_the_session_is_kept():
    request = sticker_request(None, "开心", "photo", None, "", 1.0, "mochi", None, session="s1")
    assert request.seed is None and request.session == "s1" and request.diffusion is True
