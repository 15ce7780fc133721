"""Only what pyproject.toml cannot say: the repository keeps its data in the top-level assets/ folder,
and the package carries it as `emojigen._assets` (found with importlib.resources). A package mapped to
another folder is not found by `find`, so the package list is built here."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["emojigen*", "ui*"]), "emojigen._assets"],
    package_dir={"emojigen._assets": "assets"},
)
