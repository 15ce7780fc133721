"""Turning typed text into the forms the word lists are matched against.

Every text, and every list entry, goes through the same steps, so "ＦＵＣＫ", "f.u.c.k", "傻\u200b逼", "sh1t"
and the Traditional "幹你娘" all meet their list entry:

1. NFKC folds full-width letters and compatibility characters; combining marks ("fück"), zero-width and
   other invisible characters are dropped; then casefold.
2. Traditional Chinese becomes Simplified (OpenCC's t2s), so one list covers both scripts.
3. Three views of the result (see `Views`): a compact one for Chinese entries, and a spaced and a joined
   one for Latin words, where leetspeak digits become letters.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

# Han, kana, Bopomofo, Hangul and their extensions: scripts written without spaces between words, so
# their entries match anywhere in the text.
CJK = re.compile(
    "[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)
# Anything that is neither a letter nor a digit: spaces, punctuation, symbols, emoji.
_NOT_ALNUM = re.compile(r"[\W_]+")
# A token of the Latin views: letters and digits, plus @ and $, which are letters in leetspeak (@ss, $hit).
_TOKEN = re.compile(r"(?:[^\W_]|[@$])+")
# "sh!t": an exclamation mark between two letters is an i, not the end of a sentence.
_BANG_IN_WORD = re.compile(r"(?<=[^\W\d_])!(?=[^\W\d_])")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
# Cyrillic and Greek letters that look like Latin ones ("fuсk" with a Cyrillic с). Only swapped inside a
# token that also has a Latin letter, so Russian or Greek words are left as they are.
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "α": "a", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
})
_HAS_LATIN = re.compile("[a-z]")
# A space or an apostrophe between two tokens keeps them two words.
_APOSTROPHES = {"'", "\u2018", "\u2019", "\u02bc", "`", "\u00b4"}
_WORD_BREAK = re.compile("[\\s" + "".join(_APOSTROPHES) + "]")
_CONTRACTION_ENDINGS = {"s", "t", "m", "d", "ll", "re", "ve"}
_HAS_LETTER = re.compile(r"[^\W\d_]")
# Invisible characters: format characters (zero-width space and joiners, word joiner, BOM, soft hyphen),
# and blank letters and symbols (Hangul fillers, the blank Braille pattern) that render as nothing.
_DROPPED_CATEGORIES = {"Mn", "Me", "Cf"}
_BLANKS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


@dataclass(frozen=True)
class Views:
    """One text, folded, and the three views made from it. Each kind of entry is matched in one of them."""

    text: str  # the normalised text itself: symbol entries (🖕) are looked for here
    compact: str  # letters and digits only, no leetspeak: Chinese entries match anywhere in it
    spaced: str  # Latin tokens, leetspeak undone, one space apart: whole-word matching
    joined: str  # as spaced, but a word split up by punctuation alone ("f.u.c.k", "fu_ck"), or spelled as
    #             single letters one space apart ("f u c k"), is joined back into one word


@functools.cache
def _t2s():
    import opencc  # the binding loads its dictionaries from the wheel: no network needed

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """NFKC, without marks or invisible characters, casefolded, Traditional Chinese made Simplified."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        kept = (ch for ch in decomposed if unicodedata.category(ch) not in _DROPPED_CATEGORIES and ch not in _BLANKS)
        text = unicodedata.normalize("NFKC", "".join(kept))
    text = text.casefold()
    if CJK.search(text):
        text = _t2s().convert(text)
    return text


def _letters(token: str) -> str:
    """Undo leetspeak and lookalike letters in a token that has a letter (a plain number stays a number)."""
    if not _HAS_LETTER.search(token):
        return token
    if not token.isascii() and _HAS_LATIN.search(token):
        token = token.translate(_LOOKALIKES)
    return token.translate(_LEET)


def _tokens(text: str) -> list[tuple[str, str]]:
    """The Latin tokens of a folded text, each with the separator before it ("" for the first). The
    endings of contractions and possessives ("it's", "who're", "Dumas's") are left out: they are not
    words of their own, and would otherwise join with what follows or spell a list word."""
    latin = _BANG_IN_WORD.sub("i", CJK.sub(" ", text))
    tokens, end = [], 0
    for match in _TOKEN.finditer(latin):
        separator, token = latin[end:match.start()], match.group()
        end = match.end()
        if tokens and separator in _APOSTROPHES and token in _CONTRACTION_ENDINGS:
            continue
        tokens.append((separator if tokens else "", token))
    return tokens


def _join(tokens: list[tuple[str, str]]) -> list[str]:
    """Words split up to dodge the lists, joined back: first pieces split by punctuation alone ("f.u.c.k",
    "fu_ck"), then runs of single letters split by spaces ("f u c k"). Two whole words split by a space
    ("an al", "is hit") stay two words."""
    units: list[str] = []
    for separator, token in tokens:
        if units and not _WORD_BREAK.search(separator):
            units[-1] += token
        else:
            units.append(token)
    words: list[str] = []
    previous_single = False
    for unit in units:
        single = len(unit) == 1
        if single and previous_single:
            words[-1] += unit
        else:
            words.append(unit)
        previous_single = single
    return words


def views(text: str) -> Views:
    folded = fold(text)
    tokens = _tokens(folded)
    return Views(
        text=folded,
        compact=_NOT_ALNUM.sub("", folded),
        spaced=" ".join(_letters(token) for _, token in tokens),
        joined=" ".join(_letters(word) for word in _join(tokens)),
    )


def is_cjk(text: str) -> bool:
    return bool(CJK.search(text))
