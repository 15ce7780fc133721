"""Every request field, declared once: its type, default, range or choices, and its zh/en label and help.

`Request` is the one request type for a sticker, an animation and a pack. Each field carries a `Param`
in its metadata; the CLI options, the HTTP API's parameters and the page's controls are generated from
these declarations or bound to them by name (see ui/). `coerce` is the only place a raw value from any
client (text from the command line, JSON from the API, a page control) becomes a typed value, so every
client gets the same defaults, the same ranges and the same messages.

Adding a parameter: declare it here, list it in the endpoints that take it (STICKER_API ...), and use it.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass, field, fields, replace
from typing import Any

from emojigen.errors import BadParameter
from emojigen.export.platforms import PLATFORMS
from emojigen.image_input import ImageSource
from emojigen.notices import Notice
from emojigen.sticker.finish import CAPTION_POSITIONS, parse_colour
from emojigen.style import CLASSIC_STYLES

SEED_MAX = 2**32 - 1  # numpy's and torch's seeds are 32-bit; larger numbers also break JSON clients
MAX_INTENSITY = 1.5
MAX_OUTLINE = 32


@dataclass(frozen=True)
class Param:
    """How one request field is typed, checked and presented."""
    kind: str  # image, text, choice, int, float, bool, colour, list
    zh: str  # label
    en: str
    help_zh: str = ""
    help_en: str = ""
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None  # for sliders
    choices: tuple[str, ...] = ()
    max_length: int | None = None  # text longer than this is cut, and the warnings say so
    cli: str | None = None  # the command-line flag; "" a positional argument; None: not on the command line
    auto: Any = None  # what a left-out value (None) comes to, where one value says it (a page slider shows it)
    name: str = ""  # filled in from the field

    def describe_range(self, lang: str) -> str:
        """What values are accepted, in words."""
        if self.choices:
            return ("以下之一：" if lang == "zh" else "one of: ") + ", ".join(self.choices)
        if self.kind in ("int", "float") and self.minimum is not None:
            lo, hi = _shown(self.minimum), _shown(self.maximum)
            if lang == "zh":
                return f"{lo} 到 {hi} 之间的{'整数' if self.kind == 'int' else '数'}"
            return f"{'a whole number' if self.kind == 'int' else 'a number'} from {lo} to {hi}"
        return ""


def _param(default: Any, kind: str, zh: str, en: str, help_zh: str = "", help_en: str = "", **details: Any) -> Any:
    return field(default=default, metadata={"param": Param(kind, zh, en, help_zh, help_en, **details)})


@dataclass(frozen=True)
class Request:
    """What a user asks for. Left-out fields (None) mean: the declared default or an automatic choice."""
    image: ImageSource | None = _param(
        None, "image", "照片", "Photo", "一张脸部照片（JPG、PNG、WebP、HEIC…）；角色模板不需要",
        "a face photo (JPG, PNG, WebP...); not needed with a character template", cli="")
    text: str = _param(
        "", "text", "心情", "How do you feel?", "例如 开心大笑、气死我了、surprised",
        "how you feel, e.g. 开心大笑, 气死我了 or 'very surprised'", max_length=200, cli="--text")
    style: str = _param(
        "photo", "choice", "风格", "Style", "画风", "the look", choices=CLASSIC_STYLES, cli="--style")
    caption: str | None = _param(
        None, "text", "配字", "Caption", "留空自动配字；空字符串表示不要配字",
        "left out: chosen for the expression; '' for none", max_length=40, cli="--caption")
    seed: int | None = _param(
        None, "int", "随机种子", "Seed", "同一种子得到同样的结果；留空每次随机",
        "the same seed gives the same result; left out: a new random one", minimum=0, maximum=SEED_MAX,
        cli="--seed")
    intensity: float = _param(
        1.0, "float", "表情强度", "Intensity", "0 = 原样 · 1 = 正常 · 1.5 = 夸张",
        "0 = as it is, 1 = normal, 1.5 = exaggerated", minimum=0.0, maximum=MAX_INTENSITY, step=0.05,
        cli="--intensity")
    template: str | None = _param(
        None, "text", "模板", "Template", "内置模板名（emojigen templates 列出）",
        "a built-in template's name (see `emojigen templates`)", max_length=64, cli="--template")
    platform: str | None = _param(
        None, "choice", "平台", "Platform", "按该聊天软件的限制导出（整套表情包默认微信）",
        "also fit the result to this chat app's limits (a pack: wechat when left out)",
        choices=tuple(PLATFORMS), cli="--platform")
    caption_position: str = _param(
        "bottom", "choice", "配字位置", "Caption position", "", "where the caption goes",
        choices=CAPTION_POSITIONS, cli="--caption-position")
    caption_font: str = _param(
        "heavy", "choice", "配字字体", "Caption font", "粗黑（经典表情包）、圆体（可爱）或本机的中文字体",
        "heavy (the classic meme caption), rounded (playful) or this machine's own CJK font",
        choices=("heavy", "rounded", "system"), cli="--caption-font")
    outline_width: int | None = _param(
        None, "int", "描边宽度（像素）", "Outline width (px)", "0 = 不描边；留空按尺寸自动",
        "0 for none; left out: in proportion to the sticker (8 at 512 px)", minimum=0, maximum=MAX_OUTLINE,
        step=1, cli="--outline-width", auto=8)
    outline_color: str = _param(
        "#ffffff", "colour", "描边颜色", "Outline colour", "如 #ffffff 或 white", "like #ffffff or white",
        cli="--outline-color")
    shadow: bool = _param(False, "bool", "阴影", "Shadow", "柔和的投影", "a soft drop shadow", cli="--shadow")
    face: int | None = _param(
        None, "int", "用哪张脸", "Face", "合照中从左到右第几张脸（从 0 数）；留空用最大的那张",
        "in a group photo, which face, counting from 0 left to right; left out: the largest",
        minimum=0, maximum=99, step=1, cli="--face")
    # Fine-tune sliders: action units on top of the typed feeling; 0 changes nothing.
    brows: float = _param(
        0.0, "float", "眉毛", "Brows", "-1 皱眉压低 · 0 不变 · 1 扬起",
        "-1 lowered and drawn together, 0 as is, 1 raised", minimum=-1.0, maximum=1.0, step=0.05, cli="--brows")
    eyes: float = _param(
        0.0, "float", "眼睛", "Eyes", "-1 闭上 · 0 不变 · 1 睁大", "-1 closed, 0 as is, 1 wide open",
        minimum=-1.0, maximum=1.0, step=0.05, cli="--eyes")
    wink: float = _param(0.0, "float", "眨眼", "Wink", "0 不变 · 1 闭上一只眼", "0 as is, 1 one eye shut",
                         minimum=0.0, maximum=1.0, step=0.05, cli="--wink")
    mouth_open: float = _param(
        0.0, "float", "张嘴", "Mouth open", "0 不变 · 1 张大嘴（啊）", "0 as is, 1 wide open (aaa)",
        minimum=0.0, maximum=1.0, step=0.05, cli="--mouth-open")
    smile: float = _param(
        0.0, "float", "嘴角", "Smile", "-1 嘴角向下 · 0 不变 · 1 嘴角上扬", "-1 corners down, 0 as is, 1 corners up",
        minimum=-1.0, maximum=1.0, step=0.05, cli="--smile")
    mouth_wide: float = _param(
        0.0, "float", "咧嘴", "Mouth wide", "0 不变 · 1 嘴唇向两边拉开（咿）", "0 as is, 1 lips stretched wide (eee)",
        minimum=0.0, maximum=1.0, step=0.05, cli="--mouth-wide")
    mouth_round: float = _param(
        0.0, "float", "嘟圆", "Mouth round", "0 不变 · 1 嘴唇撅圆（呜）",
        "0 as is, 1 lips rounded and pushed out (woo)", minimum=0.0, maximum=1.0, step=0.05, cli="--mouth-round")
    gaze_x: float = _param(
        0.0, "float", "眼神左右", "Gaze left/right", "-1 看向画面左边 · 0 不变 · 1 看向右边",
        "-1 looking to the picture's left, 0 as is, 1 to its right", minimum=-1.0, maximum=1.0, step=0.05,
        cli="--gaze-x")
    gaze_y: float = _param(
        0.0, "float", "眼神上下", "Gaze up/down", "-1 向上看（翻白眼）· 0 不变 · 1 向下看",
        "-1 looking up (eye-roll), 0 as is, 1 looking down", minimum=-1.0, maximum=1.0, step=0.05, cli="--gaze-y")
    reference: ImageSource | None = _param(
        None, "image", "照着这张脸的表情做", "Copy the expression of",
        "另一张脸部照片（朋友、电影截图、表情包里的脸）：读出它的表情，做到你的脸上；留空按文字",
        "another face photo (a friend, a film still, a meme face): its expression is read and put on your face; "
        "left out: the words decide", cli="--reference")
    # Packs
    count: int | None = _param(
        None, "int", "数量", "Count", "整套表情包的张数（微信：8、16 或 24）；留空按平台常用数量",
        "stickers in a pack (WeChat: 8, 16 or 24); left out: the platform's usual size", minimum=1,
        maximum=120, cli="--count")
    expressions: str | list[str] | None = _param(
        None, "list", "表情", "Expressions", "整套表情包里有哪些，如 开心,哭,生气；留空用常用的一组",
        "which ones a pack holds, e.g. '开心,哭,生气'; left out: a varied set", max_length=500,
        cli="--expressions")
    lang: str = _param("zh", "choice", "配字语言", "Caption language", "整套表情包配字的语言",
                       "the language of a pack's captions", choices=("zh", "en"), cli="--lang")
    captions: bool = _param(True, "bool", "配字", "Captions", "整套表情包是否配字",
                            "whether a pack's stickers have captions", cli="--no-captions")
    animated: bool = _param(False, "bool", "动图", "Animated", "整套动图表情包", "a pack of animated stickers",
                            cli="--animate")
    # Diffusion styling (used when a Stable Diffusion model is configured)
    diffusion: bool = _param(True, "bool", "用扩散模型重绘", "Restyle with Stable Diffusion",
                             "有模型时用 Stable Diffusion 重绘；否则用经典风格",
                             "restyle with the server's model when it has one; off: the classic looks",
                             cli="--no-diffusion")
    lora: str | list[str] | None = _param(
        None, "list", "LoRA", "LoRA", "名称 或 名称:权重,其他:权重", "'name' or 'name:0.8, other:0.4'",
        max_length=500, cli="--lora")
    lora_scale: float | None = _param(
        None, "float", "LoRA 权重", "LoRA scale", "所有 LoRA 权重的倍数（默认 1）",
        "multiplies every adapter's weight (default 1)", minimum=0.0, maximum=2.0, step=0.05, cli="--lora-scale",
        auto=1.0)
    strength: float | None = _param(
        None, "float", "重绘强度", "Strength", "越小越像本人（默认 0.45）",
        "img2img strength; lower keeps the person more recognisable (default 0.45)", minimum=0.05, maximum=1.0,
        step=0.05, cli="--strength", auto=0.45)
    steps: int | None = _param(
        None, "int", "步数", "Steps", "采样步数（默认 20；快速模式 4）", "scheduler steps (default 20; fast mode 4)",
        minimum=1, maximum=100, step=1, cli="--steps", auto=20)
    guidance: float | None = _param(
        None, "float", "引导系数", "Guidance", "默认 7；快速模式 1", "guidance scale (default 7; fast mode 1)",
        minimum=0.0, maximum=20.0, step=0.5, cli="--guidance", auto=7.0)
    fast: bool | None = _param(
        None, "bool", "快速模式（LCM，4 步）", "Fast mode (LCM, 4 steps)",
        "需要 LCM-LoRA；留空：在 GPU 上有 LCM-LoRA 时开启（EMOJIGEN_SD_FAST）",
        "LCM-LoRA, 4 steps (needs an LCM-LoRA adapter); left out: on where the model runs on a GPU with an "
        "LCM-LoRA (EMOJIGEN_SD_FAST)", cli="--fast")
    session: str = _param("", "text", "会话", "Session", "你的会话令牌：只有你能用它列出和评分自己的结果",
                          "your session token: only with it can your results be listed and rated", max_length=64,
                          cli="--session")


# The parameters of each HTTP endpoint, in order. The first ones keep the order earlier clients used;
# new parameters are added at the end, so positional clients keep working.
DIFFUSION_FIELDS = ("diffusion", "lora", "lora_scale", "strength", "steps", "guidance", "fast")
TWEAK_FIELDS = ("brows", "eyes", "wink", "mouth_open", "smile", "mouth_wide", "mouth_round", "gaze_x", "gaze_y")
STICKER_API = ("image", "text", "style", "caption", "seed", "intensity", "template", "platform", "caption_position",
               "outline_width", "outline_color", "shadow", *DIFFUSION_FIELDS, "face", *TWEAK_FIELDS, "reference",
               "session", "caption_font")
ANIMATE_API = ("image", "text", "style", "caption", "seed", "intensity", "template", "platform", *DIFFUSION_FIELDS,
               "caption_position", "outline_width", "outline_color", "shadow", "face", *TWEAK_FIELDS, "reference",
               "session", "caption_font")
PACK_API = ("image", "platform", "count", "expressions", "style", "template", "lang", "animated", "seed",
            *DIFFUSION_FIELDS, "intensity", "captions", "caption_position", "outline_width", "outline_color",
            "shadow", "face", "session", "caption_font")
ENDPOINTS = {"generate": STICKER_API, "animate": ANIMATE_API, "pack": PACK_API}


@functools.cache
def params() -> dict[str, Param]:
    """Every field's declaration, by name (built once: every request's validation reads it)."""
    return {f.name: replace(f.metadata["param"], name=f.name) for f in fields(Request)}


@functools.cache
def defaults() -> dict[str, Any]:
    return {f.name: f.default for f in fields(Request)}


def validate(request: Request) -> tuple[Request, list[Notice]]:
    """Every field checked and converted; raises BadParameter naming the first bad one. Text that is too
    long is cut, and a notice says so."""
    notices: list[Notice] = []
    values = {}
    for name, param in params().items():
        value, notice = coerce(param, getattr(request, name))
        values[name] = value
        if notice is not None:
            notices.append(notice)
    return replace(request, **values), notices


def coerce(param: Param, raw: Any) -> tuple[Any, Notice | None]:
    """One raw value (from the command line, the API or the page) as the declared type."""
    default = defaults().get(param.name)
    if raw is None or (isinstance(raw, str) and not raw.strip() and param.kind not in ("text", "image")):
        return default, None
    kind = param.kind
    if kind == "image":
        return raw, None
    if kind in ("int", "float"):
        return _number(param, raw), None
    if kind == "bool":
        return _bool(param, raw), None
    if kind == "choice":
        value = _text(param, raw).strip().lower()
        if value not in param.choices:
            raise _bad(param, raw)
        return value, None
    if kind == "colour":
        text = _text(param, raw)
        try:
            red, green, blue = parse_colour(text)
        except Exception:  # noqa: BLE001 - any unreadable colour gets the parameter's own message
            raise _bad(param, raw, "如 #ffffff、#fff 或 white", "like #ffffff, #fff or white") from None
        return f"#{red:02x}{green:02x}{blue:02x}", None
    if kind == "list":
        items = raw if isinstance(raw, (list, tuple)) else [raw]
        texts = [_text(param, item) for item in items]
        if sum(len(t) for t in texts) > (param.max_length or math.inf):
            raise _bad(param, raw, f"最多 {param.max_length} 个字", f"at most {param.max_length} characters")
        return (texts[0] if isinstance(raw, str) else texts) or default, None
    text = _text(param, raw)
    if param.name == "text":
        text = text.strip()
    if param.max_length is not None and len(text) > param.max_length:
        return text[:param.max_length], Notice(
            f"{param.name}_cut", f"{param.zh}太长（{len(text)} 个字），只用了前 {param.max_length} 个字。",
            f"The {param.en.lower()} was too long ({len(text)} characters); its first {param.max_length} were used.")
    return text, None


def _text(param: Param, raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, numbers.Number)):
        raise _bad(param, raw, "应为文字", "expected text")
    text = raw if isinstance(raw, str) else str(raw)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: half of an emoji, sent by a broken client
        raise BadParameter(param.name, "含有无效字符（不成对的代理字符），请检查文字。",
                           "contains invalid characters (a lone surrogate); please check the text.") from None
    return text


def _number(param: Param, raw: Any) -> int | float:
    value: Any = raw
    if isinstance(raw, str):
        try:
            value = int(raw.strip()) if param.kind == "int" and raw.strip().lstrip("+-").isdigit() else float(raw)
        except ValueError:
            raise _bad(param, raw) from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _bad(param, raw)
    if isinstance(value, float) and not math.isfinite(value):
        raise _bad(param, raw)
    if param.kind == "int":
        if value != int(value):
            raise _bad(param, raw)
        value = int(value)
    else:
        value = float(value)
    if (param.minimum is not None and value < param.minimum) or (param.maximum is not None and value > param.maximum):
        raise _bad(param, raw)
    return value


def _bool(param: Param, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, numbers.Real) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise _bad(param, raw, "应为 true 或 false", "expected true or false")


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _bad(param: Param, raw: Any, zh: str = "", en: str = "") -> BadParameter:
    shown = repr(raw) if not isinstance(raw, str) or len(raw) <= 40 else repr(raw[:40] + "…")
    zh = zh or "应为 " + param.describe_range("zh")
    en = en or "expected " + param.describe_range("en")
    return BadParameter(param.name, f"{zh}，收到 {shown}。", f"{en}, got {shown}.")


def _shown(number: float | None) -> str:
    return "" if number is None else (str(int(number)) if float(number).is_integer() else str(number))
