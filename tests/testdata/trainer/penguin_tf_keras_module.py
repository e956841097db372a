"""TFX's penguin Keras module file (penguin_utils_keras.py with penguin_utils_base's serving
signatures) in its own style: `tf.keras` throughout, a MirroredStrategy scope, and
`model.save(..., save_format='tf')`, which is tf_keras's (Keras 3 refuses it). Only the imports
differ from TFX's file. It needs TF_USE_LEGACY_KERAS=1.

For the test, run_fn also writes the trained model's logits on the unshuffled eval split to
model_run_dir/eval_logits.npy.
"""

import os

import keras_tuner
import numpy as np
import tensorflow as tf
from tensorflow import keras

import tfx_core.transform as tft
from tfx_core import tfxio
from tfx_core import v1 as tfx

_FEATURE_KEYS = ["culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g"]
_LABEL_KEY = "species"
_TRAIN_BATCH_SIZE = 20
_EVAL_BATCH_SIZE = 10


def transformed_name(key):
  return key + "_z"


def input_fn(file_pattern, data_accessor, tf_transform_output, batch_size=200, **options):
  return data_accessor.tf_dataset_factory(
      file_pattern,
      tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=_LABEL_KEY, **options),
      tf_transform_output.transformed_metadata.schema)


def _get_hyperparameters() -> keras_tuner.HyperParameters:
  hp = keras_tuner.HyperParameters()
  hp.Choice("learning_rate", [1e-2, 1e-3], default=1e-2)
  hp.Int("num_layers", 1, 3, default=2)
  return hp


def _make_keras_model(hparams: keras_tuner.HyperParameters) -> tf.keras.Model:
  inputs = [keras.layers.Input(shape=(1,), name=transformed_name(f)) for f in _FEATURE_KEYS]
  d = keras.layers.concatenate(inputs)
  for _ in range(int(hparams.get("num_layers"))):
    d = keras.layers.Dense(8, activation="relu")(d)
  outputs = keras.layers.Dense(3)(d)
  model = keras.Model(inputs=inputs, outputs=outputs)
  model.compile(optimizer=keras.optimizers.Adam(hparams.get("learning_rate")),
                loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=[keras.metrics.SparseCategoricalAccuracy()])
  return model


def make_serving_signatures(model, tf_transform_output: tft.TFTransformOutput):
  model.tft_layer = tf_transform_output.transform_features_layer()

  @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
  def serve_tf_examples_fn(serialized_tf_example):
    raw_feature_spec = tf_transform_output.raw_feature_spec()
    raw_feature_spec.pop(_LABEL_KEY)
    raw_features = tf.io.parse_example(serialized_tf_example, raw_feature_spec)
    transformed_features = model.tft_layer(raw_features)
    return {"outputs": model(transformed_features)}

  @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
  def transform_features_fn(serialized_tf_example):
    raw_feature_spec = tf_transform_output.raw_feature_spec()
    raw_features = tf.io.parse_example(serialized_tf_example, raw_feature_spec)
    return model.tft_layer(raw_features)

  return {"serving_default": serve_tf_examples_fn,
          "transform_features": transform_features_fn}


def run_fn(fn_args: tfx.components.FnArgs):
  tf.keras.utils.set_random_seed(1)
  tf_transform_output = tft.TFTransformOutput(fn_args.transform_output)
  train_dataset = input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output,
                           _TRAIN_BATCH_SIZE, shuffle_seed=1).repeat()
  eval_dataset = input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output,
                          _EVAL_BATCH_SIZE, shuffle_seed=2).repeat()
  if fn_args.hyperparameters:
    hparams = keras_tuner.HyperParameters.from_config(fn_args.hyperparameters)
  else:
    hparams = _get_hyperparameters()
  mirrored_strategy = tf.distribute.MirroredStrategy()
  with mirrored_strategy.scope():
    model = _make_keras_model(hparams)
  tensorboard_callback = tf.keras.callbacks.TensorBoard(log_dir=fn_args.model_run_dir,
                                                        update_freq="epoch")
  model.fit(train_dataset, steps_per_epoch=fn_args.train_steps or 100,
            validation_data=eval_dataset, validation_steps=fn_args.eval_steps or 10,
            callbacks=[tensorboard_callback], verbose=0)
  eval_split = input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output,
                        _EVAL_BATCH_SIZE, shuffle=False, num_epochs=1)
  np.save(os.path.join(fn_args.model_run_dir, "eval_logits.npy"),
          model.predict(eval_split.map(lambda features, label: features), verbose=0))
  signatures = make_serving_signatures(model, tf_transform_output)
  model.save(fn_args.serving_model_dir, save_format="tf", signatures=signatures)
