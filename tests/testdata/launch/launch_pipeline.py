"""Nodes that misbehave on request, for the launcher's and the runner's isolation tests.

Produce -> Misbehave(how=...)
Independent            (no inputs)
"""

import ctypes
import os
import signal
import time

from tfx_core.dsl import InputArtifact, OutputArtifact, Parameter, Pipeline, component
from tfx_core.types import Examples, Model


@component
def Produce(examples: OutputArtifact[Examples], value: Parameter[str] = "x"):
  with open(os.path.join(examples.uri, "value.txt"), "w") as f:
    f.write(value)


@component
def Misbehave(examples: InputArtifact[Examples], model: OutputArtifact[Model],
              how: Parameter[str] = "ok", started_file: Parameter[str] = ""):
  """how: ok, sleep (writes into its output, says so in started_file, then waits to be
  stopped), segfault, exit (os._exit(3)) or sigkill (what the kernel's OOM killer does)."""
  with open(os.path.join(model.uri, "partial.txt"), "w") as f:
    f.write("half-written")
  if started_file:
    with open(started_file, "w") as f:
      f.write(str(os.getpid()))
  if how == "sleep":
    for _ in range(600):
      time.sleep(0.1)
  elif how == "segfault":
    ctypes.string_at(0)
  elif how == "exit":
    os._exit(3)  # pylint: disable=protected-access
  elif how == "sigkill":
    os.kill(os.getpid(), signal.SIGKILL)
  with open(os.path.join(examples.uri, "value.txt")) as f, open(
      os.path.join(model.uri, "model.txt"), "w") as out:
    out.write(f.read())


@component
def Independent(model: OutputArtifact[Model]):
  with open(os.path.join(model.uri, "model.txt"), "w") as f:
    f.write("independent")


def create_pipeline(pipeline_root, how=None, started_file=None, metadata_url=None):
  # From the environment when run through tfx-core-run, which passes only standard arguments.
  how = how or os.environ.get("LAUNCH_PIPELINE_HOW", "ok")
  started_file = started_file or os.environ.get("LAUNCH_PIPELINE_STARTED_FILE", "")
  produce = Produce()
  misbehave = Misbehave(examples=produce.outputs["examples"], how=how, started_file=started_file)
  return Pipeline("launch", pipeline_root, [produce, misbehave, Independent()],
                  enable_cache=True, metadata_url=metadata_url)
