"""English prompts for SD 1.5's CLIP text encoder, built from the parsed expression and the style.

CLIP was trained on English captions, so Chinese input is never sent as it is: it has already been
parsed into one of the expression names by the lexicon, and the prompt describes that expression.
"""

from __future__ import annotations

from dataclasses import dataclass

EXPRESSION_WORDS = {
    "happy": "happy, cheerful smile",
    "laugh": "laughing out loud, open mouth, squinting eyes",
    "smile": "gentle smile",
    "sad": "sad, downturned mouth, teary eyes",
    "cry": "crying, tears streaming down the cheeks",
    "surprised": "surprised, wide open eyes, open mouth",
    "angry": "angry, furrowed brows, frowning",
    "disgusted": "disgusted, wrinkled nose",
    "scared": "scared, wide eyes, tense face",
    "neutral": "neutral expression",
    "wink": "winking one eye, playful",
    "smug": "smug, one-sided smirk",
    "eye_roll": "rolling eyes, unimpressed",
    "pout": "pouting lips",
    "sly_grin": "sly grin, mischievous",
    "speechless": "speechless, blank stare, flat mouth",
    "laugh_cry": "laughing so hard it cries, tears of joy",
}

STYLE_WORDS = {
    "photo": "photo portrait, natural skin, soft light, sharp focus",
    "cartoon": "cartoon character, flat colors, bold outlines, cel shading",
    "sketch": "pencil sketch, graphite drawing, hatching, white paper",
    "pixel": "pixel art, 16-bit, limited palette",
    "meme": "black and white meme face, high contrast, comic",
}

NEGATIVE = ("blurry, deformed face, extra eyes, distorted mouth, bad anatomy, watermark, text, "
            "low quality, cropped head")


@dataclass(frozen=True)
class Prompt:
    positive: str
    negative: str


def build_prompt(expression: str, intensity: float, style: str, extra: str = "") -> Prompt:
    """One person's face showing the expression, drawn in the style; a stronger intensity says so."""
    feeling = EXPRESSION_WORDS.get(expression, EXPRESSION_WORDS["neutral"])
    if intensity >= 1.25 and expression != "neutral":
        feeling = f"exaggerated, very {feeling}"
    elif intensity < 0.6 and expression != "neutral":
        feeling = f"slightly {feeling}"
    parts = [f"sticker of a person's face, {feeling}", STYLE_WORDS.get(style, STYLE_WORDS["photo"])]
    if extra.strip():
        parts.append(extra.strip())
    return Prompt(", ".join(parts), NEGATIVE)
