"""Helpers TFX users reach for under `tfx.utils`."""
