"""Saving a Keras 3 model as a SavedModel that C++ loaders can serve.

`tf.saved_model.save(keras3_model, ...)` records each Keras variable as a wrapper object of its
own: Python's tf.saved_model.load rebinds the signatures to them, but a C++ session
(tfx_core_model_server, TF Serving) restores only those wrappers, never the tf.Variables the
signatures capture, and every request fails with "Could not find variable ...". Tracking the
underlying tf.Variables beside the model makes the checkpoint restore exactly what the
signatures read.
"""

import os

SERVING_ROOT_MODEL = "model"  # Where the model sits in the exported object graph.


def export_serving_model(model, export_dir, signatures):
  """tf.saved_model.save for a Keras model, servable from C++ as well as Python."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  root = tf.Module()
  setattr(root, SERVING_ROOT_MODEL, model)
  root.serving_variables = [getattr(v, "value", v) for v in model.variables]
  tf.saved_model.save(root, export_dir, signatures=signatures)


def restore_weights(model, saved_model_dir):
  """Warm start under Keras 3, which cannot load a SavedModel as a Keras model: the weights of
  `model` (built as the saved one was) restored from the SavedModel's variables, whether it was
  saved by tf.saved_model.save or by export_serving_model. The optimizer is left as compiled:
  this run's learning rate and step count, not the base model's. Raises if a weight of `model`
  has no saved value."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  # Everything the model tracks (its layers, under the names it saved them with) but its
  # optimizer.
  weights_only = {name: child for name, child in model._trackable_children().items()  # pylint: disable=protected-access
                  if child is not getattr(model, "optimizer", None)}
  prefix = os.path.join(saved_model_dir, "variables", "variables")
  checkpoint = tf.train.Checkpoint(**weights_only)
  if any(name.startswith(SERVING_ROOT_MODEL + "/") for name, _ in tf.train.list_variables(prefix)):
    checkpoint = tf.train.Checkpoint(**{SERVING_ROOT_MODEL: checkpoint})
  checkpoint.read(prefix).expect_partial().assert_existing_objects_matched()
  return model
