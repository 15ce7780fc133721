"""A regular (non-editable) install works on its own: the wheel carries the templates and word lists, and
its `emojigen` command makes a captioned sticker from a character template with nothing read from this
repository. The dependencies are the ones already installed here, so nothing is downloaded."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from ci import unavailable
from PIL import Image

from emojigen._version import __version__

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["pyproject.toml", "setup.py", "README.md", "emojigen", "ui", "assets"]


def run(args: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=180, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


def build_wheel(tmp_path: Path) -> Path:
    try:
        major = int(version("setuptools").split(".")[0])
    except PackageNotFoundError:
        major = 0
    if major < 77:  # offline build without isolation: the build backend must already be here
        unavailable("setuptools>=77 is not installed", "pip install -e '.[test]'")
    # A copy, so the build neither writes into the working tree nor picks up a stale build/ folder.
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(REPO / name, src / name)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", tmp_path / "dist", src], env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    (wheel,) = (tmp_path / "dist").glob("emojigen-*.whl")
    return wheel


def make_env(tmp_path: Path, wheel: Path) -> Path:
    """A fresh virtual environment that sees this interpreter's installed packages through a .pth file.
    Paths listed in a .pth are not site folders, so their own .pth files (this checkout's editable
    install among them) are not run: `emojigen` can only come from the wheel."""
    env = tmp_path / "env"
    run([sys.executable, "-m", "venv", "--without-pip", env])
    python = env / "bin" / "python"
    purelib = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    (purelib / "_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    # --ignore-installed: the editable emojigen seen through the .pth is neither reused nor uninstalled.
    run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "-q", wheel],
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    return env


def test_a_wheel_install_makes_a_sticker_from_a_template_with_a_caption(tmp_path):
    wheel = build_wheel(tmp_path)
    assert wheel.name.startswith(f"emojigen-{__version__}-")  # pyproject.toml reads the version from emojigen
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"emojigen/py.typed", "emojigen/_assets/expressions.json",
            "emojigen/_assets/templates/mochi/template.json"} <= names
    # Every package of the source tree made it into the wheel (setup.py lists them).
    for init in [*(REPO / "emojigen").rglob("__init__.py"), *(REPO / "ui").rglob("__init__.py")]:
        assert init.relative_to(REPO).as_posix() in names

    env = make_env(tmp_path, wheel)
    work = tmp_path / "work"  # outside the repository, so its emojigen/ folder cannot be imported
    work.mkdir()
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "EMOJIGEN_ASSETS_DIR")}
    found = json.loads(run([env / "bin" / "python", "-c",
                            "import json, emojigen; from emojigen.assets import assets_dir; "
                            "print(json.dumps([emojigen.__file__, str(assets_dir())]))"],
                           cwd=work, env=clean).stdout)
    for path in map(Path, found):
        assert path.resolve().is_relative_to(env.resolve()) and not path.resolve().is_relative_to(REPO), found

    out = work / "mochi.png"
    run([env / "bin" / "emojigen", "generate", "--template", "mochi", "--text", "开心", "--caption", "hi",
         "-o", out], cwd=work, env=clean)
    png = Image.open(out)
    assert png.format == "PNG" and png.mode == "RGBA"
    assert png.size[0] == png.size[1] and 128 <= png.size[0] <= 1024
    alpha = png.getchannel("A")
    assert alpha.getextrema() == (0, 255)  # a cut-out: transparent around an opaque character
