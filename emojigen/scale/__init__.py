"""Serving past one process: the sticker pipeline as a Ray Serve deployment of N replicas, and the
front-end's proxy to it. Ray is an optional extra (`pip install .[scale]`), imported only here and only
when `emojigen serve --replicas N` asks for it."""
