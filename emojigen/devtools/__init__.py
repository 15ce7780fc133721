"""Development tools, not part of the sticker pipeline: stand-in models for tests and benchmarks."""
