"""Beam options for executors: an in-process runner unless the user names one, checked early.

Since Beam 2.68 the DirectRunner hands batch pipelines to the Prism runner, which it downloads
from the internet on first use (offline: a failed download and a fallback on every pipeline;
online: a silent change of runner). Naming the FnApiRunner keeps execution in this process
(it honours --direct_num_workers and --direct_running_mode); --runner=... picks any other.
"""

import contextlib
import io

DEFAULT_RUNNER = "FnApiRunner"


def with_default_runner(args):
  args = list(args)
  if not any(a == "--runner" or a.startswith("--runner=") for a in args):
    args.insert(0, "--runner=" + DEFAULT_RUNNER)
  return args


def pipeline_options(args):
  from apache_beam.options.pipeline_options import PipelineOptions  # pylint: disable=import-outside-toplevel
  return PipelineOptions(with_default_runner(args))


def validate_beam_args(args):
  """Raises ValueError naming the bad option when Beam would reject `args`."""
  if not args:
    return
  errors = io.StringIO()
  try:
    with contextlib.redirect_stderr(errors):
      pipeline_options(args).get_all_options()
  except SystemExit:  # argparse's way of saying no.
    detail = errors.getvalue().strip().splitlines()
    raise ValueError("--beam_pipeline_args %s: %s" % (
        " ".join(args), detail[-1].split("error: ", 1)[-1] if detail else "rejected by Beam"))
