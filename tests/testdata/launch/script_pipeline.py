"""A pipeline script in the style of TFX's tutorials: absl flags and @component at the top,
run with `python script_pipeline.py --pipeline_root=...`."""

import os

from absl import app, flags

from tfx_core.dsl import OutputArtifact, Parameter, Pipeline, component
from tfx_core.orchestration import LocalDagRunner
from tfx_core.types import Model

flags.DEFINE_string("pipeline_root", None, "Where outputs go.")
flags.DEFINE_integer("n", 3, "What to write.")
flags.DEFINE_enum("isolation", "thread", ["thread", "process"], "Node isolation.")
FLAGS = flags.FLAGS


@component
def Write(model: OutputArtifact[Model], n: Parameter[int]):
  with open(os.path.join(model.uri, "n.txt"), "w") as f:
    f.write(str(n))


def main(_):
  pipeline = Pipeline("script", FLAGS.pipeline_root, [Write(n=FLAGS.n)])
  result = LocalDagRunner(isolation=FLAGS.isolation).run(pipeline)
  print("states", {k: str(v) for k, v in result.node_states.items()})


if __name__ == "__main__":
  app.run(main)
