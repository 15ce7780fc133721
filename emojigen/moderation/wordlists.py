"""Reading the word lists (the shipped ones and an operator's) and turning each entry into match keys.

A list file is UTF-8 text, one entry per line. Lines starting with # are comments; a line "[name]" sets
the category of the entries after it (the file's default category before any such line).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from emojigen.assets import assets_dir
from emojigen.moderation.normalize import is_cjk, views

WORD = "word"  # Latin: matches whole words, in the spaced and the joined view
ANYWHERE = "anywhere"  # Chinese (and other scripts without spaces): matches anywhere in the compact view
SYMBOL = "symbol"  # no letter or digit at all (🖕): matches anywhere in the normalised text

PROFANITY = "profanity"
OPERATOR = "operator"  # entries of the operator's own block file


@dataclass(frozen=True)
class ListFile:
    name: str
    file: str  # under the assets' moderation folder
    source: str  # where it comes from, for the status page
    category: str  # for entries before any [category] line


SHIPPED_BLOCK_LISTS = (
    ListFile("ldnoobw-zh", "zh.txt", "naughty-words 1.2.0 (LDNOOBW), CC-BY-4.0", PROFANITY),
    ListFile("ldnoobw-en", "en.txt", "naughty-words 1.2.0 (LDNOOBW), CC-BY-4.0", PROFANITY),
    ListFile("better-profanity-en", "en-better-profanity.txt", "better-profanity 0.7.0, MIT", PROFANITY),
    ListFile("emojigen-extra", "extra.txt", "emojigen, hand-made", PROFANITY),
)
SHIPPED_ALLOW_LIST = ListFile("emojigen-allow", "allow.txt", "emojigen, hand-made", "allow")


@dataclass(frozen=True)
class Key:
    """One string to look for, in the view its kind says."""

    text: str
    kind: str  # WORD, ANYWHERE or SYMBOL

    @property
    def letters(self) -> int:
        return len(self.text.replace(" ", ""))


def moderation_dir() -> Path:
    return assets_dir() / "moderation"


def parse(text: str, default_category: str) -> list[tuple[str, str]]:
    """(entry, category) for each entry line of a list file's text."""
    entries, category = [], default_category
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]") and len(line) > 2:
            category = line[1:-1].strip()
            continue
        entries.append((line, category))
    return entries


def read(path: Path, default_category: str) -> list[tuple[str, str]]:
    return parse(path.read_text(encoding="utf-8-sig"), default_category)


def keys_for(entry: str) -> tuple[Key, ...]:
    """The match keys of one entry, normalised exactly as typed text is (so "sh1t", "g-spot" and a
    Traditional entry meet what people type). A Latin phrase also gets its spaceless form, to catch
    "killyourself" as a hashtag or handle."""
    seen = views(entry)
    if is_cjk(seen.text):
        return (Key(seen.compact, ANYWHERE),) if seen.compact else ()
    if seen.spaced:
        keys = [Key(seen.spaced, WORD)]
        spaceless = views(seen.text.replace(" ", "")).spaced
        if spaceless != seen.spaced and " " not in spaceless:
            keys.append(Key(spaceless, WORD))
        return tuple(keys)
    symbol = "".join(seen.text.split())
    return (Key(symbol, SYMBOL),) if symbol else ()


@dataclass(frozen=True)
class LoadedList:
    name: str
    source: str
    entries: tuple[tuple[str, str], ...]  # (entry, category)


@functools.cache
def shipped_block_lists() -> tuple[LoadedList, ...]:
    folder = moderation_dir()
    return tuple(LoadedList(item.name, item.source, tuple(read(folder / item.file, item.category)))
                 for item in SHIPPED_BLOCK_LISTS)


@functools.cache
def shipped_allow_list() -> LoadedList:
    item = SHIPPED_ALLOW_LIST
    return LoadedList(item.name, item.source, tuple(read(moderation_dir() / item.file, item.category)))
