"""Warnings that travel with a result: a stable code plus the same words in Chinese and English, so the
page can show the visitor's language and the API can return both."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    code: str  # stable, for clients that react to a kind of warning ("caption_cut", "export_fit" ...)
    zh: str
    en: str

    def text(self, lang: str = "both") -> str:
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        return f"{self.zh} / {self.en}"

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh, "en": self.en}

    def numbered(self, index: int) -> Notice:
        """The same notice about one member of a pack (#3: ...)."""
        return Notice(self.code, f"#{index}：{self.zh}", f"#{index}: {self.en}")


def unique(notices: list[Notice]) -> list[Notice]:
    """In order, each once (a pack's members often repeat the same note)."""
    return list(dict.fromkeys(notices))
