"""Turning a face image into a sticker: cut-out, outline, caption, square canvas."""
