"""Multi-worker training under Keras 3. Keras 3's `model.fit` fails under
tf.distribute.MultiWorkerMirroredStrategy since TF 2.16 (keras-team/keras#20585), so `fit`
here is a custom training loop over the strategy, for a Keras model compiled in its scope;
it works under any tf.distribute strategy, one worker or many.

    strategy = tf.distribute.MultiWorkerMirroredStrategy()  # Reads TF_CONFIG (the Trainer's).
    with strategy.scope():
      model = build_model()
      model.compile(optimizer=..., loss=...)
    multi_worker.fit(model, strategy, dataset_fn, steps=fn_args.train_steps)

`dataset_fn(input_context)` gives one input pipeline's dataset of (features, label) batches of
`input_context.get_per_replica_batch_size(global_batch_size)` rows: with the DataAccessor,
`tf_dataset_factory(files, options, schema, input_context=input_context)` reads that
pipeline's share of the rows only.
"""

import json
import os

# The environment variable TensorFlow's cluster resolver reads: the cluster and this task.
TF_CONFIG_ENV = "TF_CONFIG"


def worker_index_and_count():
  """(index, count) of this worker in the TF_CONFIG cluster; (0, 1) without one."""
  config = json.loads(os.environ.get(TF_CONFIG_ENV) or "{}")
  workers = config.get("cluster", {}).get("worker", [])
  if not workers:
    return 0, 1
  return int(config.get("task", {}).get("index", 0)), len(workers)


def fit(model, strategy, dataset_fn, steps, epochs=1):
  """Trains `model` (compiled in strategy.scope()) for `epochs` of `steps` steps on the
  batches dataset_fn gives each input pipeline; gradients are summed over replicas of losses
  each scaled to its share of the global batch, so a step is one step on the global batch.
  Returns {"loss": [the last step's loss, per epoch]}, the same on every worker."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  if not steps or steps <= 0:
    raise ValueError("multi_worker.fit: steps must be > 0, got %r" % (steps,))
  if model.optimizer is None or model.loss is None:
    raise ValueError("multi_worker.fit: compile the model (optimizer and loss) in "
                     "strategy.scope() first")
  batches = iter(strategy.distribute_datasets_from_function(dataset_fn))
  replicas = strategy.num_replicas_in_sync
  loss_fn = model.loss if callable(model.loss) else tf.keras.losses.get(model.loss)

  def replica_step(features, label):
    with tf.GradientTape() as tape:
      loss = loss_fn(label, model(features, training=True))
      if model.losses:  # Regularization, once per replica's share.
        loss += tf.add_n(model.losses)
      scaled = loss / replicas
    gradients = tape.gradient(scaled, model.trainable_variables)
    model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return scaled

  @tf.function
  def train_step(iterator):
    features, label = next(iterator)
    per_replica = strategy.run(replica_step, args=(features, label))
    return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

  history = {"loss": []}
  for _ in range(epochs):
    for _ in range(steps):
      loss = train_step(batches)
    history["loss"].append(float(loss))
  return history
