"""Imported by trainer_module.py: editing it must invalidate the cache."""


def total(values):
  return sum(values)
