"""The one place that builds what differs between deployments from the settings: where results are
stored, where the history lives, the text moderator and the styling backend. The pipeline receives them
ready-made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emojigen.config import Settings
from emojigen.history import History
from emojigen.store import OutputStore


def make_store(settings: Settings) -> OutputStore:
    return OutputStore.open(settings.outputs_dir, settings.storage_url)  # plus a bucket for s3://...


def make_history(settings: Settings) -> History:
    """SQLite (db_path, else <outputs_dir>/history.sqlite) unless EMOJIGEN_DATABASE_URL names another
    database. Nothing is opened yet; psycopg is imported here only for a postgresql:// URL."""
    default = Path(settings.db_path) if settings.db_path else Path(settings.outputs_dir) / "history.sqlite"
    return History.open(settings.database_url, default)


def make_moderator(settings: Settings) -> Any:
    """The text moderator (shipped lists plus the operator's files), or None when moderation is off."""
    if not settings.moderation:
        return None
    from emojigen.moderation import Moderator, default_moderator

    block, allow = settings.moderation_block_file, settings.moderation_allow_file
    if not block and not allow:
        return default_moderator()
    return Moderator.load(Path(block) if block else None, Path(allow) if allow else None)


def make_image_moderator(settings: Settings) -> Any:
    """The optional image classifier for uploads and results, or None (none configured, or moderation off)."""
    if not settings.moderation or not settings.nsfw_model:
        return None
    from emojigen.moderation.images import ImageModerator

    labels = [name for name in settings.nsfw_labels.split(",") if name.strip()] or None
    return ImageModerator(settings.nsfw_model, settings.nsfw_threshold, labels)


def make_diffusion(settings: Settings) -> Any:
    """The Stable Diffusion styler when a model is configured, else None (the classic looks)."""
    if not settings.sd_model:
        return None
    from emojigen.diffusion.styler import DiffusionStyler  # torch is imported only on its first load

    return DiffusionStyler(settings)


def build_pipeline(settings: Settings | None = None) -> Any:
    """A pipeline with everything built from `settings` (EMOJIGEN_* variables when left out)."""
    from emojigen.pipeline import Pipeline

    settings = settings or Settings.from_env()
    return Pipeline(settings, store=make_store(settings), history=make_history(settings),
                    diffusion=make_diffusion(settings), image_moderator=make_image_moderator(settings))
