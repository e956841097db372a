"""TF Serving's warm-up file: PredictionLog records in a SavedModel's
assets.extra/tf_serving_warmup_requests, which the model server (ours or TF Serving) replays
before a version serves.

The records are encoded here from TF Serving's field numbers (tensorflow_serving/apis/
prediction_log.proto and the request messages it holds), so writing one needs no
tensorflow-serving-api package; tests read them back with that package's classes.
"""

import os

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
# Signature method names (SignatureDef.method_name).
PREDICT_METHOD = "tensorflow/serving/predict"
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"

# PredictionLog's oneof field per signature method; each log's `request` is its field 1.
_LOG_FIELD = {CLASSIFY_METHOD: 2, REGRESS_METHOD: 3, PREDICT_METHOD: 6}


def _varint(value):
  out = bytearray()
  while True:
    byte = value & 0x7F
    value >>= 7
    out.append(byte | (0x80 if value else 0))
    if not value:
      return bytes(out)


def _field(number, payload):
  """A length-delimited field (wire type 2)."""
  return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def prediction_log(method, model_name, signature_name, serialized_examples, input_alias=None):
  """One serialized PredictionLog holding a request for `serialized_examples`.

  method: a signature's method name: PREDICT_METHOD (the examples as a DT_STRING tensor under
  `input_alias`), CLASSIFY_METHOD or REGRESS_METHOD (an Input.example_list).
  """
  model_spec = _field(1, model_name.encode()) + _field(3, signature_name.encode())
  if method == PREDICT_METHOD:
    import numpy as np  # pylint: disable=import-outside-toplevel
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    tensor = tf.make_tensor_proto(np.array(serialized_examples, dtype=object)).SerializeToString()
    # PredictRequest.inputs (2) is a map: entries of key (1) and value (2).
    body = _field(2, _field(1, input_alias.encode()) + _field(2, tensor))
  elif method in (CLASSIFY_METHOD, REGRESS_METHOD):
    # ClassificationRequest / RegressionRequest.input (2) -> Input.example_list (1) ->
    # ExampleList.examples (1).
    body = _field(2, _field(1, b"".join(_field(1, e) for e in serialized_examples)))
  else:
    raise ValueError("no warm-up request for signature method %r (%s, %s or %s)" % (
        method, PREDICT_METHOD, CLASSIFY_METHOD, REGRESS_METHOD))
  return _field(_LOG_FIELD[method], _field(1, _field(1, model_spec) + body))


def write_warmup_file(model_dir, records):
  """Writes serialized PredictionLog `records` as the SavedModel's warm-up file."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  path = os.path.join(model_dir, WARMUP_FILE)
  os.makedirs(os.path.dirname(path), exist_ok=True)
  with tf.io.TFRecordWriter(path) as writer:
    for record in records:
      writer.write(record)
  return path
