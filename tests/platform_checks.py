"""Independent checks of exported sticker files against each chat app's published limits.

These open the bytes with Pillow (PNG, APNG, GIF, WebP) or FFmpeg's libvpx decoder (WEBM) and do
not use the exporter's own code, so an exporter bug cannot hide itself."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from emojigen.export.platforms import Limits


def frames_and_durations(data: bytes) -> tuple[list[np.ndarray], list[int], str]:
    image = Image.open(io.BytesIO(data))
    frames, durations = [], []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(np.asarray(image.convert("RGBA")).copy())
        durations.append(int(image.info.get("duration", 0) or 0))
    return frames, durations, image.format


def webm_frames(data: bytes) -> tuple[list[np.ndarray], float, dict]:
    import av

    container = av.open(io.BytesIO(data))
    stream = container.streams.video[0]
    info = {"codec": stream.codec_context.name, "audio_streams": len(container.streams.audio),
            "alpha_mode": stream.metadata.get("alpha_mode"), "fps": float(stream.average_rate),
            "format": container.format.name}
    decoder = av.codec.CodecContext.create("libvpx-vp9", "r")  # the decoder that reads the alpha layer
    frames = [f.to_ndarray(format="rgba") for p in container.demux(stream) for f in decoder.decode(p)]
    return frames, len(frames) / info["fps"], info


def check_sticker(data: bytes, limits: Limits, animated: bool) -> list[np.ndarray]:
    """Assert every limit; returns the decoded frames for further checks."""
    assert len(data) <= limits.max_bytes, f"{len(data)} bytes > {limits.max_bytes}"
    if limits.format == "webm":
        frames, seconds, info = webm_frames(data)
        assert info["format"].endswith("webm") and info["codec"] == "vp9"
        assert info["audio_streams"] == 0 and info["alpha_mode"] == "1"
        assert info["fps"] <= limits.max_fps and seconds <= limits.max_seconds
    else:
        frames, durations, fmt = frames_and_durations(data)
        expected = {"png": "PNG", "apng": "PNG", "gif": "GIF", "webp": "WEBP"}[limits.format]
        assert fmt == expected, (fmt, expected)
        if animated:
            assert len(frames) > 1, "not animated"
            assert sum(durations) <= limits.max_seconds * 1000 + 1
            if limits.whole_seconds:
                assert sum(durations) % 1000 == 0, durations
            if limits.max_fps:
                # Identical consecutive frames may be merged into one longer frame, never shorter ones.
                assert min(durations) >= int(1000 / limits.max_fps), durations
    lo, hi = limits.frames
    assert lo <= len(frames) <= hi or (animated and len(frames) <= hi), len(frames)
    for frame in frames:
        h, w = frame.shape[:2]
        assert (w, h) == limits.size, ((w, h), limits.size)
        alpha = frame[..., 3]
        assert alpha.min() == 0 and alpha.max() == 255, "needs a transparent background and an opaque subject"
        if limits.margin:
            m = limits.margin
            border = np.concatenate([alpha[:m].ravel(), alpha[-m:].ravel(), alpha[:, :m].ravel(),
                                     alpha[:, -m:].ravel()])
            assert border.max() == 0, "the margin must stay transparent"
    return frames
