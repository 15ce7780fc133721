"""Parse a feeling typed in Chinese or English ("气死我了", "a bit sad") into an ExpressionSpec."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from emojigen.assets import assets_dir
from emojigen.expression.units import split_name

EXPRESSIONS = (
    "happy", "laugh", "smile", "sad", "cry", "surprised",
    "angry", "disgusted", "scared", "neutral", "wink", "smug",
    "eye_roll", "pout", "sly_grin", "speechless", "laugh_cry",
)
MAX_INTENSITY = 1.5
# A negation right before a cheerful word flips it: 不开心, not happy.
NEGATIONS = ("不", "没", "不太", "not ", "not so ", "not very ", "no longer ", "never ")
# Words that join two feelings into one face: "sad and angry", 又哭又笑, 开心+惊讶. Between two matched
# words, one of these makes a blend; without one, the longest (then strongest) word alone decides.
JOINERS = re.compile(r"又|和|还|且|而|也|带点|有点儿?|but|and|with|yet|plus|&|\+|/|、|,|，")
CHEERFUL = {"happy", "laugh", "smile"}


@dataclass(frozen=True)
class ExpressionSpec:
    name: str  # one of EXPRESSIONS
    intensity: float  # 0 (no change) .. 1.5 (exaggerated); 1.0 is a plain, clear expression
    understood: bool  # False when nothing in the text was recognised and the default was used
    matched: tuple[str, ...] = field(default=())  # the words that decided it
    text: str = ""
    # Other expressions mixed in ("a bit sad and angry", 又气又委屈): (name, intensity) each.
    blend: tuple[tuple[str, float], ...] = field(default=())


def _normalize(text: str) -> str:
    # NFKC folds full-width letters and punctuation (ＬＯＬ！) into their plain forms.
    return unicodedata.normalize("NFKC", text).lower().strip()


def _is_latin(word: str) -> bool:
    return all(ord(ch) < 0x2E80 for ch in word)


def _pattern(word: str) -> re.Pattern[str]:
    escaped = re.escape(word)
    if _is_latin(word) and word[0].isalnum():
        # Latin words must stand alone: "sad" must not match inside "crusade".
        return re.compile(rf"(?<![a-z]){escaped}(?![a-z])")
    return re.compile(escaped)


class Lexicon:
    def __init__(self, data: dict) -> None:
        self.default = data["default"]
        self.captions: dict[str, dict[str, list[str]]] = {}
        self.recipes: dict[str, dict[str, float]] = {}  # expression -> action units and their intensities
        entries: list[tuple[str, str, float]] = []
        for name, entry in data["expressions"].items():
            if name not in EXPRESSIONS:
                raise ValueError(f"unknown expression {name!r} in the lexicon")
            entries += [(_normalize(w), name, float(v)) for w, v in entry["words"].items()]
            self.captions[name] = entry.get("captions", {})
            self.recipes[name] = {au: float(v) for au, v in entry.get("aus", {}).items()}
            for au in self.recipes[name]:
                split_name(au)  # an unknown action unit is a mistake in the data: say so on load
        # Longest first, so 气死我了 wins over 气死 and 哈哈哈 over 哈哈.
        entries.sort(key=lambda e: -len(e[0]))
        self._words = [(w, name, v, _pattern(w)) for w, name, v in entries]
        mods = data["modifiers"]
        self._modifiers = sorted(
            [(_normalize(w), float(v)) for group in ("weaker", "stronger") for w, v in mods[group].items()
             if not w.startswith("_")],
            key=lambda m: -len(m[0]),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> Lexicon:
        path = path or assets_dir() / "expressions.json"
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def words_for(self, name: str) -> list[str]:
        return [w for w, n, _, _ in self._words if n == name]

    def parse(self, text: str, scale: float = 1.0) -> ExpressionSpec:
        """The expression the text asks for; `scale` multiplies the intensity the words imply."""
        norm = _normalize(text)
        remaining = norm
        hits: list[tuple[int, str, str, float]] = []  # (position, word, expression, intensity)
        for word, name, value, pattern in self._words:
            for m in pattern.finditer(remaining):
                hits.append((m.start(), word, name, value))
            # Blank out what matched so shorter words inside it do not match again.
            remaining = pattern.sub(lambda m: " " * len(m.group()), remaining)

        if not hits:
            return ExpressionSpec(self.default, _clamp(scale), understood=False, text=text)

        # The longest phrase decides; on a tie the stronger one (开心大笑 is a laugh), then the first said.
        pos, word, name, value = min(hits, key=lambda h: (-len(h[1]), -h[3], h[0]))
        if name in CHEERFUL and _negated(norm, pos):
            name, value = "sad", 0.8
        modifier = self._modifier(remaining)
        intensity = value * modifier + min(0.15, 0.05 * (norm.count("!") + norm.count("?")))
        matched = tuple(h[1] for h in sorted(hits))
        blend = tuple((other, _clamp(v * modifier * scale)) for other, v in _joined(norm, hits, pos, name))
        return ExpressionSpec(name, _clamp(intensity * scale), understood=True, matched=matched, text=text,
                              blend=blend)

    def blend_aus(self, spec: ExpressionSpec) -> dict[str, float] | None:
        """A blend's action units, relative to the main expression's intensity (render scales them by
        it): each AU as strong as the strongest of the mixed expressions asks. None: no blend."""
        if not spec.blend or spec.intensity <= 0:
            return None
        found = dict(self.recipes.get(spec.name, {}))
        for other, intensity in spec.blend:
            for au, v in self.recipes.get(other, {}).items():
                found[au] = max(found.get(au, 0.0), v * intensity / spec.intensity)
        return found

    def _modifier(self, text: str) -> float:
        """The strongest intensity word left in the text (very, 有点...), 1.0 if none."""
        found = [v for w, v in self._modifiers if _pattern(w).search(text)]
        return max(found, key=lambda v: abs(v - 1.0)) if found else 1.0


def _joined(text: str, hits: list[tuple[int, str, str, float]], main_at: int,
            main: str) -> list[tuple[str, float]]:
    """Other expressions joined to the main one by a joining word ("and", 又, 和...), in the order said."""
    others: list[tuple[str, float]] = []
    for pos, _word, name, value in sorted(hits):
        if name == main or any(name == o for o, _ in others) or _negated(text, pos):
            continue
        lo, hi = sorted((pos, main_at))
        between = text[lo:hi]
        if JOINERS.search(between) or (text[:min(pos, main_at)].rstrip().endswith("又")):
            others.append((name, value))
    return others


def _negated(text: str, position: int) -> bool:
    before = text[:position]
    return any(before.endswith(neg) for neg in NEGATIONS)


def _clamp(value: float) -> float:
    return round(min(MAX_INTENSITY, max(0.0, value)), 3)


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon.load()


def parse_expression(text: str, scale: float = 1.0) -> ExpressionSpec:
    return default_lexicon().parse(text, scale)
