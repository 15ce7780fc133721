"""Refusing abusive text: the feeling a person types, the caption drawn on a sticker, a pack's expressions.

    verdict = default_moderator().check_text("气死我了")   # Verdict(blocked=False, category=None)
    if verdict.blocked:
        zh, en = blocked_message()                        # never repeats the word

Word lists (assets/moderation, see its README for sources and licences): LDNOOBW's Chinese and English
lists, better-profanity's English list, a hand-made list of hate slogans and calls to self-harm, and a
small allow list. An operator adds their own with `Moderator.load(block_file, allow_file)`.
"""

from emojigen.moderation.moderator import (
    BLOCKED_MESSAGE,
    Moderator,
    Verdict,
    blocked_message,
    check_text,
    default_moderator,
)

__all__ = ["BLOCKED_MESSAGE", "Moderator", "Verdict", "blocked_message", "check_text", "default_moderator"]
