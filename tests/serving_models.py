"""Real SavedModels for the model server's tests, written by TensorFlow."""

import os

import numpy as np
import tensorflow as tf

WEIGHTS = np.arange(6, dtype=np.float32).reshape(3, 2)


def save_mlp(path, scale=1.0):
  """y = x @ (WEIGHTS * scale); sums as strings under a "_bytes" alias; serving_default."""
  module = tf.Module()
  module.w = tf.Variable(WEIGHTS * scale)

  @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")])
  def serve(x):
    return {"y": tf.matmul(x, module.w),
            "sum_bytes": tf.strings.as_string(tf.reduce_sum(x, axis=1), precision=1)}

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text"),
                                tf.TensorSpec([None], tf.int64, name="n")])
  def repeat(text, n):
    return {"out": tf.strings.join([text, tf.strings.as_string(n)], separator="#")}

  module.serve, module.repeat = serve, repeat
  tf.saved_model.save(module, path, signatures={"serving_default": serve, "repeat": repeat})


def publish(base, version, writer, **kwargs):
  """Writes a version beside the base path and renames it in, as the Pusher does."""
  os.makedirs(base, exist_ok=True)
  staging = os.path.join(base, ".staging-%d" % version)
  writer(staging, **kwargs)
  os.rename(staging, os.path.join(base, str(version)))


def save_classify_regress(path):
  """A TF1-style SavedModel with classify and regress signatures over tf.Examples."""
  graph = tf.Graph()
  with graph.as_default():
    serialized = tf.compat.v1.placeholder(tf.string, [None], name="tf_example")
    features = tf.io.parse_example(serialized, {"x": tf.io.FixedLenFeature([], tf.float32),
                                                "k": tf.io.FixedLenFeature([], tf.int64,
                                                                           default_value=1)})
    x = features["x"] * tf.cast(features["k"], tf.float32)
    scores = tf.stack([tf.sigmoid(-x), tf.sigmoid(x)], axis=1)
    classes = tf.tile(tf.constant([["neg", "pos"]]), [tf.shape(x)[0], 1])
    value = 2.0 * x + 1.0
    builder = tf.compat.v1.saved_model.Builder(path)
    classify = tf.compat.v1.saved_model.classification_signature_def(
        serialized, classes, scores)
    regress = tf.compat.v1.saved_model.regression_signature_def(serialized, value)
    with tf.compat.v1.Session(graph=graph) as session:
      builder.add_meta_graph_and_variables(
          session, ["serve"], signature_def_map={"serving_default": classify,
                                                 "classify": classify, "regress": regress})
    builder.save()


def example(**features):
  example = tf.train.Example()
  for name, value in features.items():
    feature = example.features.feature[name]
    if isinstance(value, float):
      feature.float_list.value.append(value)
    else:
      feature.int64_list.value.append(value)
  return example
