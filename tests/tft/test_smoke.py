"""Two of TFT's beam/impl_test.py cases, to check the harness itself."""

import tensorflow as tf

import tfx_core.transform as tft
from tests.tft import tft_unit


def test_scale_to_z_score():
  def preprocessing_fn(inputs):
    return {"x_scaled": tft.scale_to_z_score(inputs["x"])}

  input_data = [{"x": x} for x in [-4.0, 10.0, 2.0, 4.0]]
  expected = [{"x_scaled": v} for v in [-1.4, 1.4, -0.2, 0.2]]  # Mean 3, std 5.
  tft_unit.assert_analyze_and_transform(
      input_data, tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32)}),
      preprocessing_fn, expected,
      tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([], tf.float32)}))


def test_vocabulary_file():
  def preprocessing_fn(inputs):
    return {"index": tft.compute_and_apply_vocabulary(inputs["a"], vocab_filename="my_vocab")}

  input_data = [{"a": "hello"}, {"a": "world"}, {"a": "hello"}]
  tft_unit.assert_analyze_and_transform(
      input_data, tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.string)}),
      preprocessing_fn, [{"index": 0}, {"index": 1}, {"index": 0}],
      expected_vocab_file_contents={"my_vocab": [b"hello", b"world"]})
