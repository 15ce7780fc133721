"""Every photo a phone takes is read (HEIC, AVIF, deep and odd pixel modes), oversized or extreme ones are
refused by their header with the limit named, and nothing kept or written carries the upload's metadata."""

import io
import struct
import warnings
import zlib

import cv2
import numpy as np
import pillow_heif
import pytest
from PIL import Image, features

from emojigen import BadInput, photo_formats
from emojigen import image_input as image_input_module
from emojigen.export.formats import encode_apng, encode_gif, encode_jpeg, encode_png, encode_webm, encode_webp
from emojigen.image_input import MAX_ASPECT, MAX_PIXELS, load_image
from emojigen.records import KeptSource

ORIENTATION, GPS_IFD = 0x0112, 0x8825


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _heic(image: Image.Image, **options) -> bytes:
    photo_formats.heif_available()  # the library's own registration: HEIF can be saved too
    return _encoded(image, "HEIF", quality=90, **options)


def _png(width: int, height: int, *, bit_depth: int = 8, colour_type: int = 0, raw: bytes | None = None) -> bytes:
    """A PNG written by hand: any header, and (when `raw` is None) data that is no pixels at all."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    data = zlib.compress(raw) if raw is not None else b"these bytes are not pixel data"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _grey(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).convert("L"))


def _upright_error(got: np.ndarray, upright: np.ndarray) -> float:
    assert got.shape == upright.shape, f"{got.shape} is not the upright {upright.shape}"
    return float(np.abs(got.astype(np.int16) - upright).mean())


# -- HEIC and AVIF -------------------------------------------------------------------------------


def test_heic_from_a_phone_turned_sideways_decodes_upright_with_its_face(photo_rgb, detector):
    upright = photo_rgb("obama")
    stored = np.ascontiguousarray(np.rot90(upright))  # as the sensor saw it; EXIF 6 turns it back clockwise
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    heic = _heic(Image.fromarray(stored), exif=exif.tobytes())
    assert heic[4:12] == b"ftypheic"

    rgb = load_image(heic)
    assert _upright_error(rgb, upright) < 4  # the same photo, only HEVC's loss
    assert _upright_error(rgb, np.rot90(upright, 2)) > 20  # and not upside down
    detector.detect(rgb)  # raises NoFace when there is none


def test_ten_bit_heic_becomes_a_proper_eight_bit_photo(astronaut):
    deep = astronaut.astype(np.uint16) * 257  # HDR phone photos are 10-bit
    photo_formats.heif_available()
    buffer = io.BytesIO()
    pillow_heif.from_bytes(mode="RGB;16", size=(512, 512), data=deep.tobytes()).save(buffer, quality=90)
    assert _upright_error(load_image(buffer.getvalue()), astronaut) < 4


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow has no AVIF support")
def test_avif_decodes_upright(astronaut):
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    avif = _encoded(Image.fromarray(np.ascontiguousarray(np.rot90(astronaut[:, :400]))), "AVIF", quality=90,
                    exif=exif.tobytes())
    assert _upright_error(load_image(avif), astronaut[:, :400]) < 4


@pytest.mark.parametrize("kind", ["HEIC", "AVIF"])
def test_a_format_whose_library_is_missing_is_named(monkeypatch, astronaut, kind):
    if kind == "AVIF" and not features.check("avif"):
        pytest.skip("this Pillow cannot write AVIF")
    data = _heic(Image.fromarray(astronaut)) if kind == "HEIC" else _encoded(Image.fromarray(astronaut), "AVIF")
    # As without the library: no opener for either, and neither readable.
    monkeypatch.setattr(photo_formats, "FORMATS", ("JPEG", "PNG", "WEBP"))
    monkeypatch.setattr(image_input_module, "readable", lambda _kind: False)
    with pytest.raises(BadInput) as info:
        load_image(data)
    assert kind in info.value.en and kind in info.value.zh and "could not be read" not in info.value.en


@pytest.mark.parametrize(("brands", "kind"), [
    (b"heic\x00\x00\x00\x00mif1heic", "HEIC"),
    (b"mif1\x00\x00\x00\x00mif1heic", "HEIC"),  # some phones name the general brand first
    (b"avif\x00\x00\x00\x00avifmif1miaf", "AVIF"),  # lists mif1 too: the major brand decides
    (b"isom\x00\x00\x02\x00isomiso2mp41", None),  # an MP4 video
])
def test_heic_and_avif_are_told_apart_by_their_first_bytes(brands, kind):
    head = struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands
    assert photo_formats.container_kind(head + b"\x00" * 16) == kind


# -- pixel modes -----------------------------------------------------------------------------------


def test_sixteen_bit_grey_png_of_a_face_is_scaled_not_white_and_its_face_found(photo_rgb, detector):
    grey = _grey(photo_rgb("obama"))
    png = _encoded(Image.fromarray(grey.astype(np.uint16) * 257), "PNG")
    assert Image.open(io.BytesIO(png)).mode == "I;16"

    rgb = load_image(png)
    assert np.abs(rgb[..., 0].astype(int) - grey).max() <= 1 and (rgb[..., 0] == rgb[..., 2]).all()
    detector.detect(rgb)


def _modes(rgb: np.ndarray) -> dict[str, tuple[Image.Image | bytes, np.ndarray, int]]:
    """mode -> (the photo in that mode, the RGB it must load as, the largest mean difference allowed)."""
    grey = _grey(rgb)
    grey3 = np.dstack([grey] * 3)
    sixteen = grey.astype(np.uint16) * 257
    ok, rgb48 = cv2.imencode(".png", cv2.cvtColor(rgb.astype(np.uint16) * 257, cv2.COLOR_RGB2BGR))
    assert ok
    half = np.zeros_like(grey)
    half[:, : grey.shape[1] // 2] = 255  # left half opaque, right half transparent: white when loaded
    over_white = np.where(half[..., None] > 0, grey3, 255).astype(np.uint8)
    rows = np.dstack([sixteen, half.astype(np.uint16) * 257]).astype(">u2").reshape(grey.shape[0], -1)
    grey_alpha_16 = _png(grey.shape[1], grey.shape[0], bit_depth=16, colour_type=4,
                         raw=b"".join(b"\x00" + row.tobytes() for row in rows))
    palette = Image.fromarray(grey3).quantize(colors=255)
    indices = np.asarray(palette).copy()
    indices[half == 0] = 255
    with_hole = Image.fromarray(indices, "P")
    with_hole.putpalette(palette.getpalette()[: 3 * 255] + [0, 0, 0])
    with_hole.info["transparency"] = 255
    bits = grey > 127
    return {
        "I;16": (_encoded(Image.fromarray(sixteen), "PNG"), grey3, 1),
        "I;16B": (Image.frombytes("I;16B", sixteen.shape[::-1], sixteen.astype(">u2").tobytes()), grey3, 1),
        "I": (_encoded(Image.fromarray(sixteen.astype(np.int32)), "TIFF"), grey3, 1),
        "F": (_encoded(Image.fromarray(grey.astype(np.float32) / 255), "TIFF"), grey3, 1),
        "1": (_encoded(Image.fromarray(bits), "PNG"), np.dstack([bits * np.uint8(255)] * 3), 0),
        "LA": (_encoded(Image.fromarray(np.dstack([grey, half]), "LA"), "PNG"), over_white, 0),
        "LA 16-bit": (grey_alpha_16, over_white, 1),
        "P with transparency": (_encoded(with_hole, "PNG"), over_white, 4),
        "CMYK JPEG": (_encoded(Image.fromarray(rgb).convert("CMYK"), "JPEG", quality=95), rgb, 4),
        "RGB 48-bit": (rgb48.tobytes(), rgb, 1),
    }


@pytest.mark.parametrize("mode", ["I;16", "I;16B", "I", "F", "1", "LA", "LA 16-bit", "P with transparency",
                                  "CMYK JPEG", "RGB 48-bit"])
def test_every_pixel_mode_becomes_the_right_eight_bit_rgb(astronaut, mode):
    photo, expected, tolerance = _modes(astronaut)[mode]
    rgb = load_image(photo)
    assert rgb.dtype == np.uint8 and rgb.shape == expected.shape
    assert np.abs(rgb.astype(int) - expected).mean() <= tolerance


@pytest.mark.parametrize(("array", "expected"), [
    (np.full((80, 80), 65535, np.uint16), 255),
    (np.full((80, 80), 32896, np.uint16), 128),  # 16-bit mid grey: scaled, not clipped to white
    (np.full((80, 80, 3), 0.5, np.float32), 128),
    (np.full((80, 80, 1), 200, np.uint8), 200),
    (np.ones((80, 80), bool), 255),
])
def test_arrays_of_any_depth_are_scaled(array, expected):
    assert np.abs(load_image(array).astype(int) - expected).max() <= 1


def test_samples_beyond_sixteen_bits_or_negative_are_stretched_over_their_range():
    ramp = np.linspace(-1000, 1000, 100 * 100).reshape(100, 100)
    for array in (ramp.astype(np.int32), (ramp + 1000) * 1e3):
        grey = load_image(array)[..., 0]
        assert grey.min() == 0 and grey.max() == 255 and abs(int(grey.mean()) - 127) <= 1


def test_a_large_jpeg_is_decoded_at_a_smaller_scale_with_the_same_result(astronaut):
    big = Image.fromarray(astronaut).resize((6600, 6600), Image.Resampling.BICUBIC)
    jpeg = _encoded(big, "JPEG", quality=92)
    full = Image.open(io.BytesIO(jpeg)).convert("RGB")
    full.thumbnail((1600, 1600), Image.Resampling.LANCZOS, reducing_gap=None)
    rgb = load_image(jpeg)
    assert rgb.shape == (1600, 1600, 3) and np.abs(rgb.astype(int) - np.asarray(full)).mean() < 1.5


# -- sizes: refused from the header, the limit named ------------------------------------------------


@pytest.mark.parametrize("shape", [(64, 600_000), (600_000, 64)])
def test_an_extreme_strip_file_is_refused_naming_the_limit(shape):
    png = _encoded(Image.fromarray(np.zeros(shape, np.uint8)), "PNG")
    with pytest.raises(BadInput, match="too long and thin") as info:
        load_image(png)
    assert f"{MAX_ASPECT}:1" in info.value.en and f"{MAX_ASPECT}:1" in info.value.zh


def test_sizes_are_checked_from_the_header_before_any_pixel_is_decoded():
    # None of these holds pixel data: decoding it would fail with "could not be read".
    with pytest.raises(BadInput, match="too long and thin"):
        load_image(_png(600_000, 64))
    with pytest.raises(BadInput, match="too small"):
        load_image(_png(20, 20))
    with pytest.raises(BadInput, match="too many pixels") as info:
        load_image(_png(8000, 8000))
    assert "8000x8000" in info.value.en and f"{MAX_PIXELS / 1e6:g} megapixels" in info.value.en
    assert f"{MAX_PIXELS // 10_000} 万" in info.value.zh
    with pytest.raises(BadInput, match="could not be read"):
        load_image(_png(800, 800))  # a sane size: only now is the (missing) data decoded


def test_pillow_decompression_bomb_error_and_warning_name_the_limit():
    limit = f"{MAX_PIXELS / 1e6:g} megapixels"
    # Beyond twice Pillow's own limit, opening raises DecompressionBombError.
    assert 20_000 * 20_000 > 2 * Image.MAX_IMAGE_PIXELS
    with pytest.raises(BadInput, match="too many pixels") as info:
        load_image(_png(20_000, 20_000))
    assert limit in info.value.en
    # Beyond Pillow's limit it warns; where warnings are errors that is an exception.
    assert 10_000 * 10_000 > Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with pytest.raises(BadInput, match="too many pixels") as info:
            load_image(_png(10_000, 10_000))
    assert limit in info.value.en


# -- no metadata kept or written -------------------------------------------------------------------


def _no_metadata(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"} & set(image.info)
    for secret in (b"Exif", b"xmpmeta", b"my home", b"PhoneMaker"):
        assert secret not in data


def test_the_kept_source_photo_has_no_exif_gps_xmp_or_comment(tmp_path, photo_rgb):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[ORIENTATION] = 6
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)})
    path = tmp_path / "holiday.jpg"
    Image.fromarray(photo_rgb("obama")).save(path, quality=92, exif=exif, comment=b"my home",
                                             xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><at>my home</at></x:xmpmeta>')
    assert Image.open(path).getexif().get_ifd(GPS_IFD)  # the upload has them

    loaded = load_image(path)
    kept = KeptSource(loaded)
    assert kept.name == "source.png"
    data = kept.png()
    _no_metadata(data)
    # Loading the kept photo again gives the very same pixels (already upright: no EXIF needed).
    assert np.array_equal(load_image(data), loaded)


def test_nothing_the_library_writes_carries_exif(astronaut):
    rgba = np.dstack([astronaut[:256, :256], np.full((256, 256), 255, np.uint8)])
    frames, durations = [rgba, rgba[::-1].copy()], [80, 80]
    outputs = {
        "png": encode_png(rgba), "png palette": encode_png(rgba, colours=64), "webp": encode_webp([rgba]),
        "webp animated": encode_webp(frames, durations), "gif": encode_gif(frames, durations),
        "apng": encode_apng(frames, durations), "apng palette": encode_apng(frames, durations, colours=64),
        "jpeg": encode_jpeg(astronaut),
    }
    for name, data in outputs.items():
        try:
            _no_metadata(data)
        except AssertionError as exc:
            raise AssertionError(f"{name} carries metadata") from exc

    import av

    webm = encode_webm(frames, fps=12.5)
    assert b"Exif" not in webm
    with av.open(io.BytesIO(webm)) as container:
        tags = {**container.metadata, **container.streams.video[0].metadata}
    assert not {key for key in tags if key.lower() in ("location", "gps", "creation_time", "comment")}, tags


def test_load_image_registers_the_heic_opener_itself(tmp_path, astronaut):
    import subprocess
    import sys

    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(_heic(Image.fromarray(astronaut)))
    # A fresh interpreter, where nothing has registered pillow-heif yet.
    code = "import sys; from emojigen.image_input import load_image; print(load_image(sys.argv[1]).shape)"
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "(512, 512, 3)" in done.stdout, done.stderr[-2000:]


def test_a_result_made_from_a_phone_photo_keeps_no_trace_of_where_it_was_taken(tmp_path, astronaut, detector):
    from emojigen import Pipeline, Settings, StickerRequest

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)})
    upload = tmp_path / "IMG_0001.HEIC"
    upload.write_bytes(_heic(Image.fromarray(astronaut), exif=exif.tobytes()))
    pipeline = Pipeline(Settings(outputs_dir=tmp_path / "out"), detector=detector)
    sticker = pipeline.run(StickerRequest(image=upload, text="开心", seed=3))
    pipeline.settle()

    kept = pipeline.store.private_root / sticker.id / "source.png"
    for path in [*sticker.png_path.parent.iterdir(), kept]:
        data = path.read_bytes()
        assert b"PhoneMaker" not in data and b"Exif" not in data, path.name
    _no_metadata(kept.read_bytes())
    again = pipeline.run(StickerRequest(image=kept, text="开心", seed=3))
    assert np.array_equal(again.image, sticker.image)
