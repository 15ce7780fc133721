"""Data only (word lists, captions, templates). Installed as the package `emojigen._assets`, so that
`emojigen.assets.assets_dir()` finds it with importlib.resources in a wheel and in an editable install."""
