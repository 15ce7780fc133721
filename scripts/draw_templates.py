"""Draw the built-in templates (original artwork for this project) into assets/templates/.

Run `python scripts/draw_templates.py` after changing a drawing; the PNGs and template.json files it
writes are committed. Characters are drawn *from* their 68 landmarks, so the expression engine's
warp moves exactly the features that were drawn. Everything is drawn at 2x and scaled down, for
smooth edges.
"""

from __future__ import annotations

import json
import math

import numpy as np
from PIL import Image, ImageDraw

from emojigen.assets import assets_dir

SIZE = 512
SS = 2  # supersampling
# The repository's assets/templates in the editable install run.sh makes (or EMOJIGEN_ASSETS_DIR).
OUT = assets_dir() / "templates"
INK = (34, 30, 36, 255)


def canonical_landmarks() -> np.ndarray:
    """A friendly cartoon face in face units (eye distance 1, origin between the eyes, y down),
    in dlib's 68-point order."""
    jaw = [(-1.05 * math.cos(t), 0.05 + 1.45 * math.sin(t)) for t in np.linspace(0, math.pi, 17)]
    left_brow = [(-0.78, -0.44), (-0.66, -0.5), (-0.52, -0.52), (-0.38, -0.5), (-0.26, -0.45)]
    right_brow = [(-x, y) for x, y in reversed(left_brow)]
    nose = [(0, 0.0), (0, 0.15), (0, 0.3), (0, 0.42), (-0.13, 0.5), (-0.06, 0.53), (0, 0.54), (0.06, 0.53),
            (0.13, 0.5)]
    left_eye = [(-0.7, 0), (-0.6, -0.19), (-0.4, -0.19), (-0.3, 0), (-0.4, 0.19), (-0.6, 0.19)]
    right_eye = [(0.3, 0), (0.4, -0.19), (0.6, -0.19), (0.7, 0), (0.6, 0.19), (0.4, 0.19)]
    outer = [(-0.36, 0.86), (-0.24, 0.81), (-0.1, 0.79), (0, 0.8), (0.1, 0.79), (0.24, 0.81), (0.36, 0.86),
             (0.24, 0.93), (0.1, 0.96), (0, 0.97), (-0.1, 0.96), (-0.24, 0.93)]
    inner = [(-0.31, 0.86), (-0.1, 0.86), (0, 0.865), (0.1, 0.86), (0.31, 0.86), (0.1, 0.87), (0, 0.875),
             (-0.1, 0.87)]
    return np.array(jaw + left_brow + right_brow + nose + left_eye + right_eye + outer + inner, np.float64)


def to_pixels(local: np.ndarray, origin=(256, 236), unit=118.0) -> np.ndarray:
    return np.asarray(local) * unit + np.array(origin)


class Canvas:
    def __init__(self) -> None:
        self.image = Image.new("RGBA", (SIZE * SS, SIZE * SS), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)

    def _p(self, points) -> list[tuple[float, float]]:
        return [(float(x) * SS, float(y) * SS) for x, y in np.atleast_2d(points)]

    def ellipse(self, centre, rx, ry, fill, outline=None, width=0) -> None:
        x, y = centre
        self.draw.ellipse([(x - rx) * SS, (y - ry) * SS, (x + rx) * SS, (y + ry) * SS], fill=fill,
                          outline=outline, width=width * SS)

    def polygon(self, points, fill, outline=None, width=0) -> None:
        self.draw.polygon(self._p(points), fill=fill, outline=outline, width=width * SS)

    def line(self, points, fill, width) -> None:
        self.draw.line(self._p(points), fill=fill, width=width * SS, joint="curve")
        for x, y in self._p(points)[:: max(1, len(points) - 1)]:  # round caps
            r = width * SS / 2
            self.draw.ellipse([x - r, y - r, x + r, y + r], fill=fill)

    def rounded(self, box, radius, fill, outline=None, width=0) -> None:
        self.draw.rounded_rectangle([v * SS for v in box], radius * SS, fill=fill, outline=outline, width=width * SS)

    def done(self) -> Image.Image:
        return self.image.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def draw_face(c: Canvas, pts: np.ndarray, lip: tuple, blush: tuple | None) -> None:
    """Eyes, brows, nose and mouth exactly on the landmarks."""
    if blush:
        for x in (pts[2, 0] + 38, pts[14, 0] - 38):
            c.ellipse((x, pts[30, 1] + 22), 30, 16, blush)
    for eye in (pts[36:42], pts[42:48]):
        # A round eye inside the six points: the warp squashes it when the lids (points 1-2, 4-5) close.
        cx, cy = eye.mean(axis=0)
        rx = abs(eye[3, 0] - eye[0, 0]) / 2 * 0.8
        ry = (eye[4:6, 1].mean() - eye[1:3, 1].mean()) / 2
        c.ellipse((cx, cy), rx, ry, INK)
        c.ellipse((cx + rx * 0.35, cy - ry * 0.35), rx * 0.3, rx * 0.3, (255, 255, 255, 255))
    for brow in (pts[17:22], pts[22:27]):
        c.line(brow, INK, 6)
    c.ellipse(pts[33], 10, 6, INK)
    c.polygon(pts[48:60], lip)
    c.line(np.vstack([pts[48], pts[60:65], pts[54]]), INK, 4)


def character(name: str, title: dict, body: tuple, blush, lip, extras, captions: dict) -> None:
    pts = to_pixels(canonical_landmarks())
    c = Canvas()
    extras(c, pts, "behind")
    head_centre = (256, 252)
    c.ellipse(head_centre, 190, 178, body, outline=INK, width=7)
    extras(c, pts, "front")
    draw_face(c, pts, lip, blush)
    image = c.done()
    write(name, image, {"name": name, "title": title, "kind": "character", "image": "template.png",
                        "landmarks": np.round(pts, 2).tolist(), "caption_box": [16, 436, 496, 506],
                        "captions": captions})


def cat_extras(c: Canvas, pts: np.ndarray, layer: str) -> None:
    orange = (245, 166, 77, 255)
    if layer == "behind":
        for side in (-1, 1):
            tip = (256 + side * 150, 52)
            base = [(256 + side * 60, 110), (256 + side * 190, 200)]
            c.polygon([base[0], tip, base[1]], orange, outline=INK, width=7)
            c.polygon([(256 + side * 85, 115), (256 + side * 145, 80), (256 + side * 170, 170)], (255, 196, 200, 255))
    else:
        for side in (-1, 1):  # forehead stripes and whiskers
            c.line([(256 + side * 30, 90), (256 + side * 22, 130)], (214, 120, 40, 255), 8)
            for dy in (-8, 10):
                c.line([(pts[33, 0] + side * 95, pts[33, 1] + dy), (pts[33, 0] + side * 170, pts[33, 1] + dy * 2)],
                       INK, 3)
        c.line([(256, 88), (256, 135)], (214, 120, 40, 255), 8)


def bear_extras(c: Canvas, pts: np.ndarray, layer: str) -> None:
    brown = (170, 116, 78, 255)
    if layer == "behind":
        for side in (-1, 1):
            c.ellipse((256 + side * 150, 100), 62, 62, brown, outline=INK, width=7)
            c.ellipse((256 + side * 150, 100), 34, 34, (226, 180, 150, 255))
    else:
        muzzle = pts[48:60].mean(axis=0)
        c.ellipse((muzzle[0], muzzle[1] - 22), 88, 62, (236, 206, 176, 255))


def no_extras(c: Canvas, pts: np.ndarray, layer: str) -> None:
    if layer == "front":
        c.ellipse((200, 130), 34, 16, (255, 255, 255, 170))  # a shine on the dough


def panda() -> None:
    c = Canvas()
    for side in (-1, 1):
        c.ellipse((256 + side * 150, 88), 70, 66, INK)
    c.ellipse((256, 250), 200, 182, (255, 255, 255, 255), outline=INK, width=9)
    c.ellipse((256, 250), 186, 168, None, outline=(225, 225, 225, 255), width=5)  # soft shading inside the rim
    write("panda", c.done(), {
        "name": "panda", "title": {"zh": "熊猫头", "en": "Panda head"}, "kind": "face_slot", "image": "template.png",
        "face_slot": {"centre": [256, 262], "size": [240, 228], "content": "face", "blend": "multiply",
                      "style": "meme"},
        "caption_box": [16, 440, 496, 506],
        "captions": {"zh": ["我不管", "你礼貌吗", "就这？"], "en": ["Whatever", "Really?", "That's it?"]}})


def festival(name: str, title: dict, card: tuple, edge: tuple, decorate_back, decorate_front, captions) -> None:
    back = Canvas()
    back.rounded((16, 16, 496, 496), 56, card, outline=edge, width=10)
    decorate_back(back)
    front = Canvas()
    decorate_front(front)
    write(name, back.done(), {
        "name": name, "title": title, "kind": "face_slot", "image": "template.png", "overlay": "overlay.png",
        "face_slot": {"centre": [256, 262], "size": [400, 400], "content": "head"},
        "caption_box": [32, 420, 480, 490], "captions": captions, "captions_first": True}, overlay=front.done())


def spring_back(c: Canvas) -> None:
    gold = (246, 200, 90, 255)
    for i in range(7):
        for j in range(7):
            if (i + j) % 2 == 0:
                c.ellipse((48 + i * 70, 48 + j * 70), 6, 6, (220, 60, 60, 255))
    c.ellipse((256, 240), 170, 170, (214, 40, 52, 255), outline=gold, width=6)


def spring_front(c: Canvas) -> None:
    for x in (70, 442):
        c.line([(x, 16), (x, 52)], (246, 200, 90, 255), 4)
        c.ellipse((x, 100), 44, 50, (226, 30, 40, 255), outline=(246, 200, 90, 255), width=4)
        c.rounded((x - 22, 44, x + 22, 56), 4, (246, 200, 90, 255))
        c.rounded((x - 22, 144, x + 22, 156), 4, (246, 200, 90, 255))
        for dx in (-8, 0, 8):
            c.line([(x + dx, 156), (x + dx, 190)], (246, 200, 90, 255), 3)


def moon_back(c: Canvas) -> None:
    c.ellipse((256, 230), 180, 180, (255, 236, 160, 255))
    for x, y in ((70, 80), (450, 130), (100, 380), (420, 60), (60, 220)):
        c.ellipse((x, y), 4, 4, (255, 255, 230, 255))


def moon_front(c: Canvas) -> None:
    cloud = (235, 240, 255, 255)
    for x, y, s in ((60, 460, 1), (452, 440, -1)):
        for dx, dy, r in ((0, 0, 34), (s * 36, -10, 28), (s * 66, 4, 22)):
            c.ellipse((x + dx, y + dy), r + 4, r * 0.7 + 4, cloud)


def birthday_back(c: Canvas) -> None:
    colours = [(255, 120, 150, 255), (90, 190, 255, 255), (255, 205, 70, 255), (120, 210, 140, 255)]
    rng = np.random.default_rng(7)
    for k in range(70):
        x, y = rng.uniform(40, 472, 2)
        c.ellipse((x, y), 5, 5, colours[k % 4])


def birthday_front(c: Canvas) -> None:
    colours = [(255, 120, 150, 255), (90, 190, 255, 255), (255, 205, 70, 255), (120, 210, 140, 255)]
    c.line([(30, 40), (256, 80), (482, 40)], INK, 3)
    for k in range(9):
        x = 50 + k * 52
        y = 40 + 40 * (1 - abs(x - 256) / 226)
        c.polygon([(x - 18, y), (x + 18, y), (x, y + 40)], colours[k % 4])
    for x, colour in ((54, colours[1]), (458, colours[0])):
        c.line([(x, 250), (x + 6, 400)], INK, 2)
        c.ellipse((x, 214), 34, 42, colour)


def christmas_back(c: Canvas) -> None:
    rng = np.random.default_rng(3)
    for _ in range(60):
        x, y = rng.uniform(40, 472, 2)
        c.ellipse((x, y), 4, 4, (255, 255, 255, 200))


def christmas_front(c: Canvas) -> None:
    leaf = (30, 120, 60, 255)
    for x, y, s in ((70, 70, 1), (442, 70, -1)):
        c.polygon([(x, y), (x + s * 70, y - 20), (x + s * 60, y + 14)], leaf)
        c.polygon([(x, y), (x + s * 20, y + 70), (x - s * 14, y + 60)], leaf)
        for dx, dy in ((0, 0), (14, 8), (4, 18)):
            c.ellipse((x + s * dx, y + dy), 10, 10, (210, 30, 40, 255))


def write(name: str, image: Image.Image, spec: dict, overlay: Image.Image | None = None) -> None:
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    image.save(folder / "template.png", optimize=True)
    preview = image.copy()
    if overlay is not None:
        overlay.save(folder / "overlay.png", optimize=True)
        preview = Image.alpha_composite(preview, overlay)
    preview.resize((160, 160), Image.Resampling.LANCZOS).save(folder / "preview.png", optimize=True)
    (folder / "template.json").write_text(json.dumps(spec, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    character("mochi", {"zh": "团子", "en": "Mochi"}, (255, 246, 232, 255), (255, 170, 180, 200),
              (236, 120, 130, 255), no_extras,
              {"zh": ["软乎乎", "团子在此"], "en": ["Squishy", "Mochi mode"]})
    character("cat", {"zh": "橘猫", "en": "Ginger cat"}, (245, 166, 77, 255), (255, 150, 150, 170),
              (200, 90, 80, 255), cat_extras, {"zh": ["喵？", "本喵不服"], "en": ["Meow?", "Not amused"]})
    character("bear", {"zh": "小熊", "en": "Little bear"}, (170, 116, 78, 255), None, (150, 70, 60, 255),
              bear_extras, {"zh": ["抱抱", "熊熊来了"], "en": ["Hug?", "Bear with me"]})
    panda()
    festival("spring_festival", {"zh": "春节", "en": "Spring Festival"}, (190, 20, 36, 255), (246, 200, 90, 255),
             spring_back, spring_front, {"zh": ["新年快乐", "恭喜发财"], "en": ["Happy New Year", "Prosperity!"]})
    festival("mid_autumn", {"zh": "中秋", "en": "Mid-Autumn"}, (28, 40, 90, 255), (246, 214, 120, 255),
             moon_back, moon_front,
             {"zh": ["中秋快乐", "月圆人团圆"], "en": ["Happy Mid-Autumn", "Full moon, full heart"]})
    festival("birthday", {"zh": "生日", "en": "Birthday"}, (255, 244, 236, 255), (255, 150, 170, 255),
             birthday_back, birthday_front, {"zh": ["生日快乐", "又长大一岁"], "en": ["Happy Birthday", "Level up!"]})
    festival("christmas", {"zh": "圣诞", "en": "Christmas"}, (26, 110, 60, 255), (210, 30, 40, 255),
             christmas_back, christmas_front, {"zh": ["圣诞快乐", "平安喜乐"], "en": ["Merry Christmas", "Ho ho ho"]})


if __name__ == "__main__":
    main()
