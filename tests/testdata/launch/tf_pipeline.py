"""One node that imports TensorFlow in its executor (as Transform and user modules do)."""

import os

from tfx_core.dsl import OutputArtifact, Pipeline, component
from tfx_core.types import Model


@component
def UseTensorFlow(model: OutputArtifact[Model]):
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  with open(os.path.join(model.uri, "sum"), "w") as f:
    f.write(str(int(tf.reduce_sum(tf.constant([1, 2, 3])))))


def create_pipeline(pipeline_root):
  return Pipeline("tf", pipeline_root, [UseTensorFlow()])
