"""The penguin pipeline's run_fn and tuner_fn, in the style of TFX's penguin Keras module
file: a small Keras MLP on Transform's outputs, its learning rate and depth searched by
KerasTuner, exported with a serving signature that parses serialized tf.Examples and runs the
TransformGraph inside the model.

A TFX module file ports by its imports alone (`from tfx_core import v1 as tfx`,
`import tfx_core.transform as tft`, `from tfx_core import tfxio`); under Keras 3 the model is
saved with tfx_core.training.export_serving_model (TFX's `model.save(..., save_format='tf')`
is tf_keras's, and a plain tf.saved_model.save of a Keras 3 model serves from Python only).
"""

import os

import functools

import keras
import keras_tuner
import tensorflow as tf

import tfx_core.transform as tft
from tfx_core import tfxio, training
from tfx_core import v1 as tfx

FEATURE_KEYS = ["culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g"]
LABEL_KEY = "species"
_DENSE_FEATURES = [key + "_z" for key in FEATURE_KEYS] + ["culmen_ratio_01"]
_BUCKET_FEATURE = "body_mass_quartile"
_NUM_CLASSES = 3
_TRAIN_BATCH_SIZE = 20
_EVAL_BATCH_SIZE = 10
_UNITS = 8
_MAX_TRIALS = 4
# The text report the pipeline binary prints: the trained model's accuracy on the eval split.
EVAL_REPORT = "eval_accuracy.txt"


def _input_fn(file_pattern, data_accessor, tf_transform_output, batch_size, **options):
  return data_accessor.tf_dataset_factory(
      file_pattern,
      tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=LABEL_KEY, **options),
      tf_transform_output.transformed_metadata.schema)


def _get_hyperparameters() -> keras_tuner.HyperParameters:
  """The search space, and the values a run without a Tuner trains with (its defaults)."""
  hp = keras_tuner.HyperParameters()
  hp.Choice("learning_rate", [1e-2, 1e-3], default=1e-2)
  hp.Int("num_layers", 1, 3, default=2)
  return hp


def _hyperparameters(fn_args):
  """The Tuner's best values when it ran, else the defaults; custom_config's
  "hyperparameters" override either."""
  if fn_args.hyperparameters:
    hp = keras_tuner.HyperParameters.from_config(fn_args.hyperparameters)
  else:
    hp = _get_hyperparameters()
  hp.values.update((fn_args.custom_config or {}).get("hyperparameters", {}))
  return hp


def _make_keras_model(hparams: keras_tuner.HyperParameters, num_buckets):
  inputs = {key: keras.layers.Input(shape=(1,), name=key) for key in _DENSE_FEATURES}
  inputs[_BUCKET_FEATURE] = keras.layers.Input(shape=(1,), name=_BUCKET_FEATURE, dtype="int64")
  quartile = keras.layers.CategoryEncoding(num_tokens=num_buckets, output_mode="one_hot")(
      inputs[_BUCKET_FEATURE])
  d = keras.layers.concatenate([inputs[key] for key in _DENSE_FEATURES] + [quartile])
  for _ in range(int(hparams.get("num_layers"))):
    d = keras.layers.Dense(_UNITS, activation="relu")(d)
  outputs = keras.layers.Dense(_NUM_CLASSES)(d)
  model = keras.Model(inputs=inputs, outputs=outputs)
  model.compile(optimizer=keras.optimizers.Adam(hparams.get("learning_rate")),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=[keras.metrics.SparseCategoricalAccuracy()])
  return model


def _get_serve_tf_examples_fn(model, tf_transform_output):
  """serving_default: serialized tf.Examples of raw features -> class logits."""
  model.tft_layer = tf_transform_output.transform_features_layer()

  @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
  def serve_tf_examples_fn(serialized_tf_examples):
    feature_spec = tf_transform_output.raw_feature_spec()
    feature_spec.pop(LABEL_KEY)
    parsed_features = tf.io.parse_example(serialized_tf_examples, feature_spec)
    transformed_features = model.tft_layer(parsed_features)
    return {"outputs": model(transformed_features)}

  return serve_tf_examples_fn


def tuner_fn(fn_args: tfx.components.FnArgs) -> tfx.components.TunerFnResult:
  """A random search over _get_hyperparameters(), scored by the eval split's accuracy."""
  keras.utils.set_random_seed((fn_args.custom_config or {}).get("seed", 1))
  tf_transform_output = tft.TFTransformOutput(fn_args.transform_graph_path)
  tuner = keras_tuner.RandomSearch(
      functools.partial(_make_keras_model, num_buckets=(
          tf_transform_output.num_buckets_for_transformed_feature(_BUCKET_FEATURE))),
      max_trials=(fn_args.custom_config or {}).get("max_trials", _MAX_TRIALS),
      hyperparameters=_get_hyperparameters(),
      allow_new_entries=False,
      objective=keras_tuner.Objective("val_sparse_categorical_accuracy", "max"),
      seed=(fn_args.custom_config or {}).get("seed", 1),
      directory=fn_args.working_dir,
      project_name="penguin_tuning")
  train_dataset = _input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output,
                            _TRAIN_BATCH_SIZE, shuffle_seed=1).repeat()
  eval_dataset = _input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output,
                           _EVAL_BATCH_SIZE, shuffle_seed=2).repeat()
  return tfx.components.TunerFnResult(
      tuner=tuner,
      fit_kwargs={"x": train_dataset, "validation_data": eval_dataset,
                  "steps_per_epoch": fn_args.train_steps or 100,
                  "validation_steps": fn_args.eval_steps or 10})


def run_fn(fn_args: tfx.components.FnArgs):
  """Trains on the train split, writes TensorBoard logs and the eval accuracy to
  model_run_dir, and exports the model to serving_model_dir."""
  keras.utils.set_random_seed((fn_args.custom_config or {}).get("seed", 1))
  tf_transform_output = tft.TFTransformOutput(fn_args.transform_output)
  train_dataset = _input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output,
                            _TRAIN_BATCH_SIZE, shuffle_seed=1).repeat()
  eval_dataset = _input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output,
                           _EVAL_BATCH_SIZE, shuffle_seed=2).repeat()
  model = _make_keras_model(
      _hyperparameters(fn_args),
      tf_transform_output.num_buckets_for_transformed_feature(_BUCKET_FEATURE))
  if fn_args.base_model:  # Warm start: continue from the base model's weights.
    training.restore_weights(model, fn_args.base_model)
  tensorboard_callback = keras.callbacks.TensorBoard(log_dir=fn_args.model_run_dir,
                                                     update_freq="epoch")
  model.fit(train_dataset, steps_per_epoch=fn_args.train_steps or 100,
            validation_data=eval_dataset, validation_steps=fn_args.eval_steps or 10,
            callbacks=[tensorboard_callback], verbose=0)
  # The accuracy on the whole eval split, once.
  eval_split = _input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output,
                         _EVAL_BATCH_SIZE, shuffle=False, num_epochs=1)
  _, accuracy = model.evaluate(eval_split, verbose=0)
  examples = sum(int(label.shape[0]) for _, label in eval_split)
  with open(os.path.join(fn_args.model_run_dir, EVAL_REPORT), "w") as f:
    f.write("eval accuracy %.4f on %d examples\n" % (accuracy, examples))

  signatures = {"serving_default": _get_serve_tf_examples_fn(model, tf_transform_output),
                training.RAW_SIGNATURE_NAME: training.raw_features_signature(
                    model, tf_transform_output, LABEL_KEY)}
  # tf.saved_model.save(model, ...) would serve from Python only; see export_serving_model.
  training.export_serving_model(model, fn_args.serving_model_dir, signatures)
