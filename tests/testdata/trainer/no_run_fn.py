"""A module file without a run_fn."""


def train(fn_args):
  del fn_args
