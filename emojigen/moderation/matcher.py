"""Aho-Corasick automatons over the list keys, and the rules that decide whether a hit counts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import ahocorasick

from emojigen.moderation.normalize import Views
from emojigen.moderation.wordlists import ANYWHERE, SYMBOL, WORD, Key

# In the joined view, where "f.u.c.k" and "f u c k" become "fuck", only keys of at least this many letters
# count. Joining can glue short pieces into a short word by chance ("a.s.s" from an acronym, "ti-t"); a
# 4-letter word made that way is far more likely to be meant. Shorter keys still match as whole words.
MIN_JOINED_LETTERS = 4


@dataclass
class KeyInfo:
    """What the lists say about one key: the category that blocks it (if any), and whether an allow
    list names it (an allowed key is never a block, and shields the block hits inside it)."""

    letters: int
    category: str | None = None
    allowed: bool = False


@dataclass(frozen=True)
class Hit:
    start: int
    end: int  # exclusive
    info: KeyInfo


@dataclass
class Automatons:
    """One automaton per key kind, each run over the view that kind is matched in."""

    infos: dict[Key, KeyInfo] = field(default_factory=dict)
    by_kind: dict[str, ahocorasick.Automaton] = field(default_factory=dict)

    def add(self, key: Key, category: str | None, allowed: bool = False) -> None:
        info = self.infos.setdefault(key, KeyInfo(letters=key.letters))
        if allowed:
            info.allowed = True
        elif info.category is None:  # the first list that names a key gives its category
            info.category = category

    def build(self) -> Automatons:
        kinds: dict[str, ahocorasick.Automaton] = {}
        for key, info in self.infos.items():
            automaton = kinds.setdefault(key.kind, ahocorasick.Automaton())
            automaton.add_word(key.text, (len(key.text), info))
        for automaton in kinds.values():
            automaton.make_automaton()
        self.by_kind = kinds
        return self

    def _hits(self, kind: str, text: str) -> Iterator[Hit]:
        automaton = self.by_kind.get(kind)
        if automaton is None or not text:
            return
        for last, (length, info) in automaton.iter(text):
            yield Hit(last + 1 - length, last + 1, info)

    def first_block(self, seen: Views) -> str | None:
        """The category of the first hit that is blocked in any view, or None."""
        for kind, text, keep in (
            (ANYWHERE, seen.compact, _anywhere),
            (SYMBOL, seen.text, _anywhere),
            (WORD, seen.spaced, _whole_word),
            (WORD, seen.joined, _whole_joined_word),
        ):
            hits = [hit for hit in self._hits(kind, text) if keep(hit, text)]
            category = _unshielded(hits)
            if category:
                return category
        return None


def _anywhere(hit: Hit, text: str) -> bool:
    return True


def _whole_word(hit: Hit, text: str) -> bool:
    # The spaced view holds tokens one space apart, so a whole word starts and ends at a space or an edge:
    # "ass" in "class" or "assassin", "cunt" in "scunthorpe", "rape" in "grape" do not count.
    return (hit.start == 0 or text[hit.start - 1] == " ") and (hit.end == len(text) or text[hit.end] == " ")


def _whole_joined_word(hit: Hit, text: str) -> bool:
    long_enough = hit.info.allowed or hit.info.letters >= MIN_JOINED_LETTERS
    return long_enough and _whole_word(hit, text)


def _unshielded(hits: Iterable[Hit]) -> str | None:
    """The category of the first block hit not lying inside an allowed hit of the same view."""
    hits = list(hits)
    allowed = [(hit.start, hit.end) for hit in hits if hit.info.allowed]
    for hit in hits:
        if hit.info.allowed or hit.info.category is None:
            continue
        if not any(start <= hit.start and hit.end <= end for start, end in allowed):
            return hit.info.category
    return None
