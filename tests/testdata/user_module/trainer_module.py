"""A user module file in the TFX style: the component calls run_fn; it imports a local helper."""

import trainer_helpers


def run_fn(values):
  return trainer_helpers.total(values)
