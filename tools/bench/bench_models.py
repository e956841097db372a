"""Models the benchmarks share: the evaluator and serving benches' MLP."""

FEATURES = ["x%d" % i for i in range(10)]
SEED = 7


class Mlp:
  """The model: 10 inputs -> 16 relu -> 1 sigmoid, seeded weights (no training needed)."""

  def __init__(self):
    import numpy as np  # pylint: disable=import-outside-toplevel
    rng = np.random.default_rng(SEED)
    self.w1 = rng.normal(0, 0.6, (10, 16)).astype(np.float32)
    self.b1 = rng.normal(0, 0.1, 16).astype(np.float32)
    self.w2 = rng.normal(0, 0.6, (16, 1)).astype(np.float32)

  def scores(self, x):
    import numpy as np  # pylint: disable=import-outside-toplevel
    h = np.maximum(x @ self.w1 + self.b1, 0)
    return (1 / (1 + np.exp(-(h @ self.w2)[:, 0]))).astype(np.float32)

  def save(self, path):
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    module = tf.Module()
    module.w1, module.b1, module.w2 = (tf.Variable(v) for v in (self.w1, self.b1, self.w2))
    spec = {name: tf.io.FixedLenFeature([], tf.float32) for name in FEATURES}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve(examples):
      parsed = tf.io.parse_example(examples, spec)
      x = tf.stack([parsed[name] for name in FEATURES], axis=1)
      h = tf.nn.relu(tf.matmul(x, module.w1) + module.b1)
      return {"probabilities": tf.sigmoid(tf.matmul(h, module.w2))[:, 0]}

    tf.saved_model.save(module, path, signatures={"serving_default": serve})
