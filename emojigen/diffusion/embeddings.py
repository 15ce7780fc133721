"""CLIP text encoding, done explicitly and cached: each (prompt, negative prompt) is encoded once and
its embeddings reused, so the frequent feelings (开心, 哭) cost no text encoding after the first time."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import torch

from emojigen.diffusion.prompts import Prompt


class PromptEmbeddingCache:
    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple, tuple[torch.Tensor, torch.Tensor | None]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, pipe: Any, prompt: Prompt, guided: bool,
            text_state: tuple = ()) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(prompt embeddings, negative embeddings or None without guidance). `text_state` names what
        else changes the text encoder's output (LoRA adapters on it), so it is part of the key."""
        key = (prompt.positive, prompt.negative if guided else None, text_state)
        if key in self._entries:
            self.hits += 1
            self._entries.move_to_end(key)
            return self._entries[key]
        self.misses += 1
        with torch.inference_mode():
            positive, negative = pipe.encode_prompt(prompt.positive, pipe._execution_device, 1, guided,
                                                    prompt.negative if guided else None)
        self._entries[key] = (positive, negative if guided else None)
        if len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return self._entries[key]

    def clear(self) -> None:
        self._entries.clear()
