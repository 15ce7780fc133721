from pathlib import Path

import pytest

from emojigen import Settings


def test_env_then_overrides():
    env = {"EMOJIGEN_PORT": "8001", "EMOJIGEN_HOST": "0.0.0.0", "EMOJIGEN_OUTPUTS_DIR": "/data/out"}
    settings = Settings.from_env(env)
    assert (settings.host, settings.port, settings.outputs_dir) == ("0.0.0.0", 8001, Path("/data/out"))
    assert Settings.from_env(env, port=9000, host=None).port == 9000


def test_bad_env_value_names_the_variable():
    with pytest.raises(ValueError, match="EMOJIGEN_PORT"):
        Settings.from_env({"EMOJIGEN_PORT": "eighty"})


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        Settings().port = 1  # type: ignore[misc]
