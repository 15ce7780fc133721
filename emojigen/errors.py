"""Errors a user can fix, each with a message in Chinese and English."""

from __future__ import annotations


class EmojigenError(Exception):
    """Base class: something the user can act on. `str()` gives both languages."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh = zh
        self.en = en
        super().__init__(f"{zh} / {en}")

    def message(self, lang: str = "both") -> str:
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        return f"{self.zh}\n{self.en}"


class BadInput(EmojigenError):
    """The upload or a parameter cannot be used (not an image, too small, unknown style...)."""


class BadParameter(BadInput):
    """One request parameter has a value it cannot take; the message names the parameter."""

    def __init__(self, param: str, zh: str, en: str) -> None:
        self.param = param
        super().__init__(f"参数 {param}：{zh}", f"Parameter {param}: {en}")


class NoFace(EmojigenError):
    """No face was found in the photo."""

    def __init__(self) -> None:
        super().__init__(
            "照片里没有找到人脸。请上传一张正面、清晰、光线充足的脸部照片。",
            "No face found in the photo. Please upload a clear, well-lit photo with a face looking at the camera.",
        )


class ReferenceHasNoFace(BadInput):
    """The photo whose expression should be copied has no face in it."""

    def __init__(self) -> None:
        super().__init__("参考照片里没有找到人脸，无法照它的表情做。请换一张能看清脸的照片，或者不用参考照片。",
                         "No face found in the reference photo, so its expression cannot be copied. Use a photo "
                         "with a clearly visible face, or leave the reference out.")


class TextRefused(BadInput):
    """What a person typed holds words the moderation lists refuse (the message never repeats them)."""

    def __init__(self) -> None:
        from emojigen.moderation import blocked_message

        super().__init__(*blocked_message())


class ImageRefused(BadInput):
    """The image classifier found an upload or a result unsuitable."""

    def __init__(self) -> None:
        from emojigen.moderation.images import blocked_image_message

        super().__init__(*blocked_image_message())


class Blocked(EmojigenError):
    """The result was withheld (for example by a model's safety checker)."""


class ModelUnavailable(EmojigenError):
    """A configured model is missing or cannot be loaded."""


class ServiceUnavailable(EmojigenError):
    """A service the app depends on (the database, the object storage) failed. People see the short zh/en
    message; `str()` and the log give the operator `detail` (where, and what to check)."""

    def __init__(self, detail: str, zh: str, en: str) -> None:
        self.detail = detail
        super().__init__(zh, en)

    def __str__(self) -> str:
        return self.detail
