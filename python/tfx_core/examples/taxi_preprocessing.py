"""The Chicago taxi preprocessing_fn of TFX's taxi example, ported by changing one import.

    tensorflow_transform's:  import tensorflow_transform as tft
    tfx_core's:              import tfx_core.transform as tft
"""

import tensorflow as tf

import tfx_core.transform as tft

DENSE_FLOAT_FEATURE_KEYS = ["trip_miles", "fare", "trip_seconds"]
VOCAB_FEATURE_KEYS = ["payment_type", "company"]
BUCKET_FEATURE_KEYS = ["pickup_latitude", "pickup_longitude", "dropoff_latitude",
                       "dropoff_longitude"]
CATEGORICAL_FEATURE_KEYS = ["trip_start_hour", "trip_start_day", "trip_start_month",
                            "pickup_census_tract", "dropoff_census_tract",
                            "pickup_community_area", "dropoff_community_area"]
FEATURE_BUCKET_COUNT = 10
VOCAB_SIZE = 1000
OOV_SIZE = 10
LABEL_KEY = "tips"
FARE_KEY = "fare"


def _fill_in_missing(x):
  """A dense [batch] tensor from a [batch, 1] SparseTensor: '' or 0 where the value is missing."""
  if not isinstance(x, tf.sparse.SparseTensor):
    return x
  default_value = "" if x.dtype == tf.string else 0
  return tf.squeeze(
      tf.sparse.to_dense(tf.SparseTensor(x.indices, x.values, [x.dense_shape[0], 1]),
                         default_value), axis=1)


def preprocessing_fn(inputs):
  outputs = {}
  for key in DENSE_FLOAT_FEATURE_KEYS:
    outputs[key + "_xf"] = tft.scale_to_z_score(_fill_in_missing(inputs[key]))
  for key in VOCAB_FEATURE_KEYS:
    outputs[key + "_xf"] = tft.compute_and_apply_vocabulary(
        _fill_in_missing(inputs[key]), top_k=VOCAB_SIZE, num_oov_buckets=OOV_SIZE,
        vocab_filename=key)
  for key in BUCKET_FEATURE_KEYS:
    outputs[key + "_xf"] = tft.bucketize(_fill_in_missing(inputs[key]), FEATURE_BUCKET_COUNT)
  for key in CATEGORICAL_FEATURE_KEYS:
    outputs[key + "_xf"] = _fill_in_missing(inputs[key])
  taxi_fare = _fill_in_missing(inputs[FARE_KEY])
  tips = _fill_in_missing(inputs[LABEL_KEY])
  # The label: did the rider tip more than 20% of the fare?
  outputs[LABEL_KEY + "_xf"] = tf.where(
      tf.math.is_nan(taxi_fare), tf.cast(tf.zeros_like(taxi_fare), tf.int64),
      tf.cast(tf.greater(tips, tf.multiply(taxi_fare, tf.constant(0.2))), tf.int64))
  return outputs
