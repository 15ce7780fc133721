"""The Moderator: the shipped lists plus an operator's block and allow files, built into automatons once."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from emojigen.moderation.matcher import Automatons
from emojigen.moderation.normalize import views
from emojigen.moderation.wordlists import (
    OPERATOR,
    LoadedList,
    keys_for,
    read,
    shipped_allow_list,
    shipped_block_lists,
)

BLOCKED_MESSAGE = (
    "这段文字包含不适合做表情包的内容，请换个说法。",
    "This text contains words we can't put on a sticker; please rephrase it.",
)


@dataclass(frozen=True)
class Verdict:
    """Whether a text is refused, and why in one word (profanity, hate, self_harm, abuse, operator).
    It never carries the matched word: nothing shown to a person should repeat it."""

    blocked: bool
    category: str | None = None


ALLOWED = Verdict(blocked=False)


def blocked_message() -> tuple[str, str]:
    """(Chinese, English) text to show when a text is refused; it does not repeat the word."""
    return BLOCKED_MESSAGE


@dataclass(frozen=True)
class _Operator:
    """An operator's extra file as loaded: where it was, and its entries."""

    path: Path | None
    entries: tuple[tuple[str, str], ...]

    @classmethod
    def read(cls, path: Path | None, default_category: str) -> _Operator:
        if path is None:
            return cls(None, ())
        path = Path(path)
        return cls(path, tuple(read(path, default_category)))


class Moderator:
    """Checks what a person typed (a feeling, a caption, a pack's expression list) against the lists."""

    def __init__(self, block_lists: Iterable[LoadedList], allow_lists: Iterable[LoadedList],
                 block_file: _Operator, allow_file: _Operator) -> None:
        self.block_lists = tuple(block_lists)
        self.allow_lists = tuple(allow_lists)
        self.block_file = block_file
        self.allow_file = allow_file
        self._automatons = self._build()

    @classmethod
    def load(cls, block_file: Path | None = None, allow_file: Path | None = None) -> Moderator:
        """The shipped lists, plus the operator's block file (its entries count as category "operator"
        unless it has [category] lines) and allow file. Raises OSError if a given file cannot be read."""
        return cls(shipped_block_lists(), (shipped_allow_list(),),
                   _Operator.read(block_file, OPERATOR), _Operator.read(allow_file, "allow"))

    def _build(self) -> Automatons:
        automatons = Automatons()
        blocks = [entry for listed in self.block_lists for entry in listed.entries] + list(self.block_file.entries)
        for entry, category in blocks:
            for key in keys_for(entry):
                automatons.add(key, category)
        allows = [entry for listed in self.allow_lists for entry, _ in listed.entries]
        for entry in allows + [entry for entry, _ in self.allow_file.entries]:
            for key in keys_for(entry):
                automatons.add(key, None, allowed=True)
        return automatons.build()

    def check_text(self, text: str) -> Verdict:
        if not text or not text.strip():
            return ALLOWED
        category = self._automatons.first_block(views(text))
        return Verdict(blocked=True, category=category) if category else ALLOWED

    def check_all(self, texts: Iterable[str]) -> Verdict:
        """The first refusal among several texts (a pack's expression list), else allowed."""
        for text in texts:
            verdict = self.check_text(text)
            if verdict.blocked:
                return verdict
        return ALLOWED

    def describe(self) -> dict:
        """A short summary for a status page: which lists are loaded, and how many entries each has."""
        return {
            "lists": [{"name": listed.name, "source": listed.source, "entries": len(listed.entries)}
                      for listed in self.block_lists],
            "allow_lists": [{"name": listed.name, "source": listed.source, "entries": len(listed.entries)}
                            for listed in self.allow_lists],
            "block_file": str(self.block_file.path) if self.block_file.path else None,
            "block_file_entries": len(self.block_file.entries),
            "allow_file": str(self.allow_file.path) if self.allow_file.path else None,
            "allow_file_entries": len(self.allow_file.entries),
            "keys": len(self._automatons.infos),
        }


@functools.cache
def default_moderator() -> Moderator:
    """The shipped lists only, built once per process."""
    return Moderator.load()


def check_text(text: str) -> Verdict:
    """check_text with the default moderator (no operator files)."""
    return default_moderator().check_text(text)
