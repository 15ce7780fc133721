"""The version, in a module of its own: pyproject.toml reads it from here, and any module can import it
without depending on the order in which emojigen/__init__.py imports its submodules."""

__version__ = "0.1.0"
