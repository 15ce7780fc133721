"""How a styled face becomes a finished sticker: on its own (the cut-out, outlined and captioned) or
inside a built-in template. The pipeline asks a Framing the few questions where templates differ, so
template logic lives here and nowhere else."""

from __future__ import annotations

import numpy as np

from emojigen.sticker.finish import FinishOptions, finish_artwork, finish_sticker
from emojigen.sticker.subject import Subject, subject_from_cutout
from emojigen.sticker.templates import Template, compose_in_slot


class Framing:
    """No template: the person's cut-out, finished as a sticker."""

    template: Template | None = None
    needs_photo = True

    def own_subject(self) -> Subject | None:
        """A drawn character brings its own face; None: the photo's face is used."""
        return None

    def forced_style(self) -> str | None:
        """A look the frame imposes (the panda head is always black and white)."""
        return None

    def caption_pool(self, typed_text: str, expression_captions: dict[str, list[str]]) -> dict[str, list[str]]:
        return expression_captions

    def finish(self, styled: np.ndarray, alpha: np.ndarray, landmarks: np.ndarray, caption: str,
               font: tuple[str, int] | None, options: FinishOptions, emoji_font: str | None) -> np.ndarray:
        return finish_sticker(styled, alpha, caption, font, options, emoji_font)


class TemplateFraming(Framing):
    def __init__(self, template: Template) -> None:
        self.template = template
        self.needs_photo = template.needs_photo

    def own_subject(self) -> Subject | None:
        if self.template.needs_photo:
            return None
        return subject_from_cutout(self.template.image, self.template.landmarks)

    def forced_style(self) -> str | None:
        return self.template.slot.style if self.template.slot else None

    def caption_pool(self, typed_text: str, expression_captions: dict[str, list[str]]) -> dict[str, list[str]]:
        # A template's own captions serve when it asks for them first (a festival's greeting) or when no
        # feeling was typed; otherwise the expression's captions fit better.
        template = self.template
        if template.captions and (template.captions_first or not typed_text):
            return template.captions
        return expression_captions

    def finish(self, styled: np.ndarray, alpha: np.ndarray, landmarks: np.ndarray, caption: str,
               font: tuple[str, int] | None, options: FinishOptions, emoji_font: str | None) -> np.ndarray:
        template = self.template
        art = np.dstack([styled, alpha]) if template.kind == "character" else \
            compose_in_slot(template, styled, alpha, landmarks)
        return finish_artwork(art, template.caption_box, caption, font, options, emoji_font)


def framing_for(template: Template | None) -> Framing:
    return Framing() if template is None else TemplateFraming(template)
