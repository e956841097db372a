"""TFT 1.21's beam/impl_test.py cases (testApplySavedModelSingleInput up to, not including,
testNumericAnalyzersWithScalarInputs), transcribed: TFT's inputs, preprocessing_fn and
expected values, run on tfx_core.transform. Only the TF2 path. Cases that test Beam or TFT
internals with no public-API equivalent (apply_saved_model, apply_function_with_checkpoint,
compat.v1-only py_funcs, the private per-key analyzers) are not transcribed."""

import math
import os
import tempfile

import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format

import tfx_core.transform as tft
from tests.tft import tft_unit
from tfx_core.proto import schema_pb2


# ---- Helpers (TFT's test API that tft_unit does not have) ----

def _sigmoid(x):
  return 1 / (1 + np.exp(-x))


def _mean_output_dtype(input_dtype):
  """The output dtype of tft.mean (and similar functions)."""
  return tf.float64 if input_dtype == tf.float64 else tf.float32


def _assert_vocabulary_contents(output, vocab_filename, file_contents):
  """TFT's AssertVocabularyContents: lines, or (token, frequency) tuples where a line is
  "<frequency> <token>" and a per-key analyzer's frequency is comma-separated values."""
  with open(output.vocabulary_file_by_name(vocab_filename), "rb") as f:
    file_lines = f.read().splitlines()
  if isinstance(file_contents[0], tuple):
    word_and_frequency_list = []
    for content in file_lines:
      parts = content.split(b" ", 1)
      assert len(parts) == 2, (vocab_filename, "line %r is not '<frequency> <token>'" % content,
                               file_lines)
      frequency, word = parts
      values = list(map(float, frequency.split(b",")))
      word_and_frequency_list.append((word, values[0] if len(values) == 1 else values))
    actual_words, actual_frequency = zip(*word_and_frequency_list)
    expected_words, expected_frequency = zip(*file_contents)
    assert list(actual_words) == list(expected_words), (vocab_filename, actual_words)
    np.testing.assert_almost_equal(actual_frequency, expected_frequency, decimal=6)
  else:
    assert file_lines == list(file_contents), (vocab_filename, file_lines)


# ---- Cases ----

def test_multiple_levels_of_analyzers():
  # Like scale_to_0_1, but with several interleavings of analyzers and transforms.
  def preprocessing_fn(inputs):
    scaled_to_0 = inputs["x"] - tft.min(inputs["x"])
    scaled_to_0_1 = scaled_to_0 / tft.max(scaled_to_0)
    return {"x_scaled": scaled_to_0_1}

  input_data = [{"x": 4}, {"x": 1}, {"x": 5}, {"x": 2}]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32)})
  expected_data = [{"x_scaled": 0.75}, {"x_scaled": 0.0}, {"x_scaled": 1.0},
                   {"x_scaled": 0.25}]
  expected_metadata = tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([], tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


def test_raw_feed_dict_input():
  # Batches of one raw serialized SequenceExample, parsed inside preprocessing_fn.
  def preprocessing_fn(inputs):
    sequence_example = inputs["sequence_example"]
    # The batch has size 1 (desired_batch_size): reshape (1,) to ().
    sequence_example = tf.reshape(sequence_example, ())
    feature_spec = {"x": tf.io.FixedLenSequenceFeature(shape=[], dtype=tf.string,
                                                       default_value=None)}
    _, sequences = tf.io.parse_single_sequence_example(sequence_example,
                                                        sequence_features=feature_spec)
    # A batch of the sequence "x".
    return {"x": sequences["x"]}

  def text_sequence_example_to_binary(text_proto):
    proto = text_format.Merge(text_proto, tf.train.SequenceExample())
    return proto.SerializeToString()

  sequence_examples = [
      """
      feature_lists: {
        feature_list: {
          key: "x"
          value: {
            feature: {bytes_list: {value: 'ab'}}
            feature: {bytes_list: {value: ''}}
            feature: {bytes_list: {value: 'c'}}
            feature: {bytes_list: {value: 'd'}}
          }
        }
      }
      """,
      """
      feature_lists: {
        feature_list: {
          key: "x"
          value: {
            feature: {bytes_list: {value: 'ef'}}
            feature: {bytes_list: {value: 'g'}}
          }
        }
      }
      """,
  ]
  input_data = [{"sequence_example": text_sequence_example_to_binary(s)}
                for s in sequence_examples]
  input_metadata = tft_unit.metadata(
      {"sequence_example": tf.io.FixedLenFeature([], tf.string)})
  expected_data = [{"x": b"ab"}, {"x": b""}, {"x": b"c"}, {"x": b"d"}, {"x": b"ef"},
                   {"x": b"g"}]
  expected_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.string)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata,
                                        desired_batch_size=1)


def test_transform_with_excluded_outputs():
  # TFT: AnalyzeDataset, then TransformDataset(exclude_outputs=["y_scaled"]) of eval data
  # without 'y'. Ours: the transform layer, which takes raw features with some left out and
  # drops the outputs that read them.
  def preprocessing_fn(inputs):
    return {"x_scaled": tft.scale_to_0_1(inputs["x"]),
            "y_scaled": tft.scale_to_0_1(inputs["y"])}

  input_data = [{"x": 5, "y": 1}, {"x": 1, "y": 2}]
  input_spec = {"x": tf.io.FixedLenFeature([], tf.float32),
                "y": tf.io.FixedLenFeature([], tf.float32)}
  with tempfile.TemporaryDirectory() as tmp:
    output = tft.analyze_dataset(tft_unit.to_table(input_data, input_spec), preprocessing_fn,
                                 input_spec, os.path.join(tmp, "tg"))
    eval_data = [{"x": 6}]  # FixedLenFeature([], tf.float32); no 'y'.
    transformed = output.transform_features_layer()(
        {"x": tf.constant([row["x"] for row in eval_data], tf.float32)})
    transformed_eval_data = [{"x_scaled": v} for v in transformed["x_scaled"].numpy().tolist()]
    assert sorted(transformed) == ["x_scaled"], sorted(transformed)
    expected_transformed_eval_data = [{"x_scaled": 1.25}]
    tft_unit.assert_data_close_or_equal(expected_transformed_eval_data, transformed_eval_data)
    expected_transformed_eval_spec = {"x_scaled": tf.io.FixedLenFeature([], tf.float32)}
    spec = output.transformed_feature_spec()
    assert {k: spec[k] for k in transformed} == expected_transformed_eval_spec, spec


def test_map_with_cond():
  def preprocessing_fn(inputs):
    return {"a": tf.cond(pred=tf.constant(True), true_fn=lambda: inputs["a"],
                         false_fn=lambda: inputs["b"])}

  input_data = [{"a": 4, "b": 3}, {"a": 1, "b": 2}, {"a": 5, "b": 6}, {"a": 2, "b": 3}]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.float32),
                                      "b": tf.io.FixedLenFeature([], tf.float32)})
  expected_data = [{"a": 4}, {"a": 1}, {"a": 5}, {"a": 2}]
  expected_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


def test_asserts_no_return_py_func():
  # apply_pyfunc raises if the function returns nothing (TFT calls it eagerly here).
  def bad_func():
    return None

  with pytest.raises(ValueError):
    tft.apply_pyfunc(bad_func, [], False, "bad_func")


def test_with_more_than_desired_batch_size():
  # TFT runs this case with force_tf_compat_v1=True only; transcribed on the TF2 path.
  def preprocessing_fn(inputs):
    return {"ab": tf.multiply(inputs["a"], inputs["b"]),
            "i": tft.compute_and_apply_vocabulary(inputs["c"])}

  batch_size = 100
  num_instances = batch_size + 1
  input_data = [{"a": 2, "b": i,
                 "c": "%.10i" % i}  # Front-padded to facilitate lexicographic sorting.
                for i in range(num_instances)]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.float32),
                                      "b": tf.io.FixedLenFeature([], tf.float32),
                                      "c": tf.io.FixedLenFeature([], tf.string)})
  expected_data = [{"ab": 2 * i,
                    "i": (len(input_data) - 1) - i}  # Due to reverse lexicographic sorting.
                   for i in range(len(input_data))]
  expected_metadata = tft_unit.metadata(
      {"ab": tf.io.FixedLenFeature([], tf.float32), "i": tf.io.FixedLenFeature([], tf.int64)},
      {"i": schema_pb2.IntDomain(min=-1, max=num_instances - 1, is_categorical=True)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata,
                                        desired_batch_size=batch_size)


def test_with_unicode():
  def preprocessing_fn(inputs):
    return {"a b": tf.compat.v1.strings.join([inputs["a"], inputs["b"]], separator=" ")}

  input_data = [{"a": "Hello", "b": "world"}, {"a": "Hello", "b": "κόσμε"}]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.string),
                                      "b": tf.io.FixedLenFeature([], tf.string)})
  expected_data = [{"a b": b"Hello world"}, {"a b": "Hello κόσμε".encode()}]
  expected_metadata = tft_unit.metadata({"a b": tf.io.FixedLenFeature([], tf.string)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


def test_np_array_input():
  def preprocessing_fn(inputs):
    return {"a b": tf.compat.v1.strings.join([inputs["a"], inputs["b"]], separator=" ")}

  input_data = [
      {"a": np.array("Hello", dtype=object), "b": np.array("world", dtype=object)},
      {"a": np.array("Hello", dtype=object), "b": np.array("κόσμε", dtype=object)},
  ]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.string),
                                      "b": tf.io.FixedLenFeature([], tf.string)})
  expected_data = [{"a b": np.array(b"Hello world", dtype=object)},
                   {"a b": np.array("Hello κόσμε".encode(), dtype=object)}]
  expected_metadata = tft_unit.metadata({"a b": tf.io.FixedLenFeature([], tf.string)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


_ELEMENTWISE = pytest.mark.parametrize("elementwise", [True, False],
                                       ids=["elementwise_True", "elementwise_False"])


@_ELEMENTWISE
def test_scale_unit_interval(elementwise):
  def preprocessing_fn(inputs):
    outputs = {}
    stacked_input = tf.stack([inputs["x"], inputs["y"]], axis=1)
    result = tft.scale_to_0_1(stacked_input, elementwise=elementwise)
    outputs["x_scaled"], outputs["y_scaled"] = tf.unstack(result, axis=1)
    return outputs

  input_data = [{"x": 4, "y": 5}, {"x": 1, "y": 2}, {"x": 5, "y": 6}, {"x": 2, "y": 3}]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32),
                                      "y": tf.io.FixedLenFeature([], tf.float32)})
  if elementwise:
    expected_data = [
        {"x_scaled": 0.75, "y_scaled": 0.75},
        {"x_scaled": 0.0, "y_scaled": 0.0},
        {"x_scaled": 1.0, "y_scaled": 1.0},
        {"x_scaled": 0.25, "y_scaled": 0.25},
    ]
  else:
    expected_data = [
        {"x_scaled": 0.6, "y_scaled": 0.8},
        {"x_scaled": 0.0, "y_scaled": 0.2},
        {"x_scaled": 0.8, "y_scaled": 1.0},
        {"x_scaled": 0.2, "y_scaled": 0.4},
    ]
  expected_metadata = tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([], tf.float32),
                                         "y_scaled": tf.io.FixedLenFeature([], tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


@_ELEMENTWISE
def test_scale_unit_interval_per_key(elementwise):
  def preprocessing_fn(inputs):
    outputs = {}
    stacked_input = tf.stack([inputs["x"], inputs["y"]], axis=1)
    result = tft.scale_to_0_1_per_key(stacked_input, inputs["key"], elementwise)
    outputs["x_scaled"], outputs["y_scaled"] = tf.unstack(result, axis=1)
    return outputs

  input_data = [
      {"x": 4, "y": 5, "key": "a"},
      {"x": 1, "y": 2, "key": "a"},
      {"x": 5, "y": 6, "key": "a"},
      {"x": 2, "y": 3, "key": "a"},
      {"x": 25, "y": -25, "key": "b"},
      {"x": 5, "y": 0, "key": "b"},
  ]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32),
                                      "y": tf.io.FixedLenFeature([], tf.float32),
                                      "key": tf.io.FixedLenFeature([], tf.string)})
  if elementwise:
    expected_data = [
        {"x_scaled": 0.75, "y_scaled": 0.75},
        {"x_scaled": 0.0, "y_scaled": 0.0},
        {"x_scaled": 1.0, "y_scaled": 1.0},
        {"x_scaled": 0.25, "y_scaled": 0.25},
        {"x_scaled": 1.0, "y_scaled": 0.0},
        {"x_scaled": 0.0, "y_scaled": 1.0},
    ]
  else:
    expected_data = [
        {"x_scaled": 0.6, "y_scaled": 0.8},
        {"x_scaled": 0.0, "y_scaled": 0.2},
        {"x_scaled": 0.8, "y_scaled": 1.0},
        {"x_scaled": 0.2, "y_scaled": 0.4},
        {"x_scaled": 1.0, "y_scaled": 0.0},
        {"x_scaled": 0.6, "y_scaled": 0.5},
    ]
  expected_metadata = tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([], tf.float32),
                                         "y_scaled": tf.io.FixedLenFeature([], tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


@_ELEMENTWISE
def test_scale_min_max(elementwise):
  def preprocessing_fn(inputs):
    outputs = {}
    stacked_input = tf.stack([inputs["x"], inputs["y"]], axis=1)
    result = tft.scale_by_min_max(stacked_input, output_min=-1, output_max=1,
                                  elementwise=elementwise)
    outputs["x_scaled"], outputs["y_scaled"] = tf.unstack(result, axis=1)
    return outputs

  input_data = [{"x": 4, "y": 8}, {"x": 1, "y": 5}, {"x": 5, "y": 9}, {"x": 2, "y": 6}]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32),
                                      "y": tf.io.FixedLenFeature([], tf.float32)})
  if elementwise:
    expected_data = [
        {"x_scaled": 0.5, "y_scaled": 0.5},
        {"x_scaled": -1.0, "y_scaled": -1.0},
        {"x_scaled": 1.0, "y_scaled": 1.0},
        {"x_scaled": -0.5, "y_scaled": -0.5},
    ]
  else:
    expected_data = [
        {"x_scaled": -0.25, "y_scaled": 0.75},
        {"x_scaled": -1.0, "y_scaled": 0.0},
        {"x_scaled": 0.0, "y_scaled": 1.0},
        {"x_scaled": -0.75, "y_scaled": 0.25},
    ]
  expected_metadata = tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([], tf.float32),
                                         "y_scaled": tf.io.FixedLenFeature([], tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


@pytest.mark.parametrize("elementwise,key_vocabulary_filename", [
    pytest.param(False, "", id="empty_filename"),
    pytest.param(False, "per_key", id="nonempty_filename"),
    pytest.param(False, None, id="none_filename"),
    pytest.param(True, None, id="elementwise_none_filename"),
])
def test_scale_min_max_per_key(elementwise, key_vocabulary_filename):
  def preprocessing_fn(inputs):
    outputs = {}
    stacked_input = tf.stack([inputs["x"], inputs["y"]], axis=1)
    result = tft.scale_by_min_max_per_key(stacked_input, inputs["key"], output_min=-1,
                                          output_max=1, elementwise=elementwise,
                                          key_vocabulary_filename=key_vocabulary_filename)
    outputs["x_scaled"], outputs["y_scaled"] = tf.unstack(result, axis=1)
    return outputs

  input_data = [
      {"x": 4, "y": 8, "key": "a"},
      {"x": 1, "y": 5, "key": "a"},
      {"x": 5, "y": 9, "key": "a"},
      {"x": 2, "y": 6, "key": "a"},
      {"x": -2, "y": 0, "key": "b"},
      {"x": 0, "y": 2, "key": "b"},
  ]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32),
                                      "y": tf.io.FixedLenFeature([], tf.float32),
                                      "key": tf.io.FixedLenFeature([], tf.string)})
  if elementwise:
    expected_data = [
        {"x_scaled": 0.5, "y_scaled": 0.5},
        {"x_scaled": -1.0, "y_scaled": -1.0},
        {"x_scaled": 1.0, "y_scaled": 1.0},
        {"x_scaled": -0.5, "y_scaled": -0.5},
        {"x_scaled": -1.0, "y_scaled": -1.0},
        {"x_scaled": 1.0, "y_scaled": 1.0},
    ]
  else:
    expected_data = [
        {"x_scaled": -0.25, "y_scaled": 0.75},
        {"x_scaled": -1.0, "y_scaled": 0.0},
        {"x_scaled": 0.0, "y_scaled": 1.0},
        {"x_scaled": -0.75, "y_scaled": 0.25},
        {"x_scaled": -1.0, "y_scaled": 0.0},
        {"x_scaled": 0.0, "y_scaled": 1.0},
    ]
  expected_metadata = tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([], tf.float32),
                                         "y_scaled": tf.io.FixedLenFeature([], tf.float32)})
  output = tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                                 expected_data, expected_metadata)
  if key_vocabulary_filename:
    # Per-key vocabulary lines: "<-min>,<max> <key>".
    _assert_vocabulary_contents(output, key_vocabulary_filename,
                                [(b"a", [-1.0, 9.0]), (b"b", [2.0, 2.0])])


def test_scale_per_key_sparse():
  def preprocessing_fn(inputs):
    return {
        "scaled_by_min_max": tft.scale_by_min_max_per_key(inputs["x"], inputs["key"],
                                                          output_min=-1, output_max=1),
        "scaled_to_0_1": tft.scale_to_0_1_per_key(inputs["x"], inputs["key"]),
        "scaled_to_z_score": tft.scale_to_z_score_per_key(inputs["x"], inputs["key"]),
    }

  input_data = [
      {"val": [4, 8], "s": ["a", "a"]},
      {"val": [1, 5], "s": ["a", "a"]},
      {"val": [5, 9], "s": ["a", "a"]},
      {"val": [2, 6], "s": ["a", "a"]},
      {"val": [-2, 0], "s": ["b", "b"]},
      {"val": [0, 2], "s": ["b", "b"]},
  ]
  indices = [([x % 2] * 2, [x % 3] * 2) for x in range(len(input_data))]
  indices_x = [{"idx_x_0": a, "idx_x_1": b} for a, b in indices]
  indices_key = [{"idx_key_0": a, "idx_key_1": b} for a, b in indices]
  input_data = [{**a, **b, **c} for a, b, c in zip(input_data, indices_x, indices_key)]
  input_metadata = tft_unit.metadata({
      "x": tf.io.SparseFeature(["idx_x_0", "idx_x_1"], "val", tf.float32, (2, 3)),
      "key": tf.io.SparseFeature(["idx_key_0", "idx_key_1"], "s", tf.string, (2, 3)),
  })

  output_names = ["scaled_by_min_max", "scaled_to_0_1", "scaled_to_z_score"]
  expected_indices_prefix = [(("$sparse_indices_0", a), ("$sparse_indices_1", b))
                             for a, b in indices]
  expected_indices = []
  for idx0, idx1 in expected_indices_prefix:
    instance = {}
    for n in output_names:
      instance.update({n + idx0[0]: idx0[1]})
      instance.update({n + idx1[0]: idx1[1]})
    expected_indices.append(instance)

  expected_data = [
      {
          "scaled_by_min_max$sparse_values": [-0.25, 0.75],
          "scaled_to_0_1$sparse_values": np.array([3.0 / 8.0, 7.0 / 8]),
          "scaled_to_z_score$sparse_values": np.array([-1.0 / math.sqrt(6.5),
                                                       3.0 / math.sqrt(6.5)]),
      },
      {
          "scaled_by_min_max$sparse_values": [-1.0, 0.0],
          "scaled_to_0_1$sparse_values": np.array([0.0, 0.5]),
          "scaled_to_z_score$sparse_values": np.array([-4.0 / math.sqrt(6.5), 0.0]),
      },
      {
          "scaled_by_min_max$sparse_values": [0.0, 1.0],
          "scaled_to_0_1$sparse_values": np.array([0.5, 1.0]),
          "scaled_to_z_score$sparse_values": np.array([0.0, 4.0 / math.sqrt(6.5)]),
      },
      {
          "scaled_by_min_max$sparse_values": [-0.75, 0.25],
          "scaled_to_0_1$sparse_values": np.array([1.0 / 8.0, 5.0 / 8.0]),
          "scaled_to_z_score$sparse_values": np.array([-3.0 / math.sqrt(6.5),
                                                       1.0 / math.sqrt(6.5)]),
      },
      {
          "scaled_by_min_max$sparse_values": np.array([-1.0, 0.0]),
          "scaled_to_0_1$sparse_values": np.array([0.0, 0.5]),
          "scaled_to_z_score$sparse_values": np.array([-2.0 / math.sqrt(2), 0.0]),
      },
      {
          "scaled_by_min_max$sparse_values": [0.0, 1.0],
          "scaled_to_0_1$sparse_values": np.array([0.5, 1.0]),
          "scaled_to_z_score$sparse_values": np.array([0.0, 2.0 / math.sqrt(2)]),
      },
  ]
  expected_data = [{**a, **b} for a, b in zip(expected_data, expected_indices)]
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data)


@pytest.mark.parametrize("input_data,input_metadata,expected_data", [
    pytest.param(
        [
            {"idx": [0, 1], "val": [-4, 4], "key_idx": [0, 1], "key": ["a", "a"]},
            {"idx": [0, 1], "val": [2, 1], "key_idx": [0, 1], "key": ["a", "b"]},
            {"idx": [0, 1], "val": [-1, 4], "key_idx": [0, 1], "key": ["b", "a"]},
        ],
        tft_unit.metadata({
            "x": tf.io.SparseFeature("idx", "val",
                                     tft_unit.canonical_numeric_dtype(tf.float32), 4),
            "key": tf.io.SparseFeature("key_idx", "key", tf.string, 4),
        }),
        [
            {"x_scaled": [0.0, 1.0, 0, 0]},
            {"x_scaled": [0.75, 1.0, 0, 0]},
            {"x_scaled": [0.0, 1.0, 0, 0]},
        ],
        id="sparse_key"),
    pytest.param(
        [
            {"idx": [0, 1], "val": [-4, 4], "key": "a"},
            {"idx": [0, 1], "val": [2, 1], "key": "a"},
            {"idx": [0, 1], "val": [-1, 4], "key": "b"},
        ],
        tft_unit.metadata({
            "x": tf.io.SparseFeature("idx", "val",
                                     tft_unit.canonical_numeric_dtype(tf.float32), 4),
            "key": tf.io.FixedLenFeature([], tf.string),
        }),
        [
            {"x_scaled": [0.0, 1.0, 0, 0]},
            {"x_scaled": [0.75, 0.625, 0, 0]},
            {"x_scaled": [0.0, 1.0, 0, 0]},
        ],
        id="dense_key"),
])
def test_scale_min_max_sparse_per_key(input_data, input_metadata, expected_data):
  def preprocessing_fn(inputs):
    x_scaled = tf.sparse.to_dense(tft.scale_to_0_1_per_key(inputs["x"], inputs["key"]))
    x_scaled.set_shape([None, 4])
    return {"x_scaled": x_scaled}

  expected_metadata = tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([4], tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


_RAGGED_KEY_CASES = [
    dict(
        testcase_name="dense_key",
        input_data=[
            {"x_val": [-4, 4], "x_row_lengths": [0, 2], "key": "a"},
            {"x_val": [0, 1], "x_row_lengths": [1, 1], "key": "a"},
            {"x_val": [-4, 1, 1], "x_row_lengths": [3], "key": "b"},
        ],
        make_key_spec=lambda: tf.io.FixedLenFeature([], tf.string),
        expected_data=[
            {
                "scaled_by_min_max$ragged_values": [-1.0, 1.0],
                "scaled_by_min_max$row_lengths_1": [0, 2],
                "scaled_to_0_1$ragged_values": [0.0, 1.0],
                "scaled_to_0_1$row_lengths_1": [0, 2],
                "scaled_to_z_score$ragged_values": [-1.4852968, 1.310556],
                "scaled_to_z_score$row_lengths_1": [0, 2],
            },
            {
                "scaled_by_min_max$ragged_values": [0.0, 0.25],
                "scaled_by_min_max$row_lengths_1": [1, 1],
                "scaled_to_0_1$ragged_values": [0.5, 0.625],
                "scaled_to_0_1$row_lengths_1": [1, 1],
                "scaled_to_z_score$ragged_values": [-0.0873704, 0.26211122],
                "scaled_to_z_score$row_lengths_1": [1, 1],
            },
            {
                "scaled_by_min_max$ragged_values": [-1.0, 1.0, 1.0],
                "scaled_by_min_max$row_lengths_1": [3],
                "scaled_to_0_1$ragged_values": [0.0, 1.0, 1.0],
                "scaled_to_0_1$row_lengths_1": [3],
                "scaled_to_z_score$ragged_values": [-1.4142135, 0.7071068, 0.7071068],
                "scaled_to_z_score$row_lengths_1": [3],
            },
        ],
    ),
    dict(
        testcase_name="ragged_key",
        input_data=[
            {"x_val": [-4, 4], "x_row_lengths": [0, 2], "key_val": ["a", "a"],
             "key_row_lengths": [0, 2]},
            {"x_val": [0, 1], "x_row_lengths": [1, 1], "key_val": ["a", "b"],
             "key_row_lengths": [1, 1]},
            {"x_val": [-4, 1, 1], "x_row_lengths": [3], "key_val": ["b", "a", "b"],
             "key_row_lengths": [3]},
        ],
        make_key_spec=lambda: tf.io.RaggedFeature(
            tf.string, value_key="key_val",
            partitions=[tf.io.RaggedFeature.RowLengths("key_row_lengths")]),
        expected_data=[
            {
                "scaled_by_min_max$ragged_values": [-1.0, 1.0],
                "scaled_by_min_max$row_lengths_1": [0, 2],
                "scaled_to_0_1$ragged_values": [0.0, 1.0],
                "scaled_to_0_1$row_lengths_1": [0, 2],
                "scaled_to_z_score$ragged_values": [-1.4852968, 1.310556],
                "scaled_to_z_score$row_lengths_1": [0, 2],
            },
            {
                "scaled_by_min_max$ragged_values": [0.0, 1.0],
                "scaled_by_min_max$row_lengths_1": [1, 1],
                "scaled_to_0_1$ragged_values": [0.5, 1.0],
                "scaled_to_0_1$row_lengths_1": [1, 1],
                "scaled_to_z_score$ragged_values": [-0.0873704, 0.7071068],
                "scaled_to_z_score$row_lengths_1": [1, 1],
            },
            {
                "scaled_by_min_max$ragged_values": [-1.0, 0.25, 1.0],
                "scaled_by_min_max$row_lengths_1": [3],
                "scaled_to_0_1$ragged_values": [0.0, 0.625, 1.0],
                "scaled_to_0_1$row_lengths_1": [3],
                "scaled_to_z_score$ragged_values": [-1.4142135, 0.26211122, 0.7071068],
                "scaled_to_z_score$row_lengths_1": [3],
            },
        ],
    ),
]
_DTYPES = [tf.int16, tf.int32, tf.int64, tf.float32, tf.float64]


@pytest.mark.parametrize("case,input_dtype", [
    pytest.param(case, dtype, id="%s_%s" % (case["testcase_name"], dtype.name))
    for case in _RAGGED_KEY_CASES for dtype in _DTYPES])
def test_scale_per_key_ragged(case, input_dtype):
  input_data, make_key_spec = case["input_data"], case["make_key_spec"]
  expected_data = case["expected_data"]
  make_x_spec = lambda: tf.io.RaggedFeature(  # pylint: disable=unnecessary-lambda-assignment
      tft_unit.canonical_numeric_dtype(input_dtype), value_key="x_val",
      partitions=[tf.io.RaggedFeature.RowLengths("x_row_lengths")])
  input_metadata = tft_unit.metadata({"x": make_x_spec(), "key": make_key_spec()})

  def preprocessing_fn(inputs):
    scaled_to_z_score = tft.scale_to_z_score_per_key(tf.cast(inputs["x"], input_dtype),
                                                     inputs["key"])
    assert scaled_to_z_score.dtype == _mean_output_dtype(input_dtype), scaled_to_z_score.dtype
    return {
        "scaled_by_min_max": tft.scale_by_min_max_per_key(
            tf.cast(inputs["x"], input_dtype), inputs["key"], output_min=-1, output_max=1),
        "scaled_to_0_1": tft.scale_to_0_1_per_key(tf.cast(inputs["x"], input_dtype),
                                                  inputs["key"]),
        "scaled_to_z_score": tf.cast(scaled_to_z_score, tf.float32),
    }

  expected_specs = {}
  for output_name in ("scaled_by_min_max", "scaled_to_0_1", "scaled_to_z_score"):
    expected_specs[output_name] = tf.io.RaggedFeature(
        tf.float32, value_key="{}$ragged_values".format(output_name),
        partitions=[tf.io.RaggedFeature.RowLengths("{}$row_lengths_1".format(output_name))])
  expected_metadata = tft_unit.metadata(expected_specs)
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


def test_scale_min_max_constant():
  def preprocessing_fn(inputs):
    return {"x_scaled": tft.scale_by_min_max(inputs["x"], 0, 10)}

  input_data = [{"x": 4}, {"x": 4}, {"x": 4}, {"x": 4}]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32)})
  expected_data = [{"x_scaled": 9.8201379}] * 4
  expected_metadata = tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([], tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


def test_scale_min_max_constant_elementwise():
  def preprocessing_fn(inputs):
    outputs = {}
    stacked_input = tf.stack([inputs["x"], inputs["y"]], axis=1)
    result = tft.scale_by_min_max(stacked_input, output_min=0, output_max=10,
                                  elementwise=True)
    outputs["x_scaled"], outputs["y_scaled"] = tf.unstack(result, axis=1)
    return outputs

  input_data = [{"x": 4, "y": 1}, {"x": 4, "y": 1}, {"x": 4, "y": 2}, {"x": 4, "y": 2}]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32),
                                      "y": tf.io.FixedLenFeature([], tf.float32)})
  expected_data = [
      {"x_scaled": 9.8201379, "y_scaled": 0},
      {"x_scaled": 9.8201379, "y_scaled": 0},
      {"x_scaled": 9.8201379, "y_scaled": 10},
      {"x_scaled": 9.8201379, "y_scaled": 10},
  ]
  expected_metadata = tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([], tf.float32),
                                         "y_scaled": tf.io.FixedLenFeature([], tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


def test_scale_min_max_error():
  def preprocessing_fn(inputs):
    return {"x_scaled": tft.scale_by_min_max(inputs["x"], 2, 1)}

  input_data = [{"x": 1}]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32)})
  expected_data = [{"x_scaled": float("nan")}]
  expected_metadata = tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([], tf.float32)})
  with pytest.raises(ValueError, match="output_min must be less than output_max"):
    tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                          expected_data, expected_metadata)


def test_scale_min_max_with_empty_inputs():
  # x is repeated `multiple` times to test elementwise mapping.
  multiple = 3

  def preprocessing_fn(inputs):
    return {
        "x_scaled": tft.scale_by_min_max(inputs["x"]),
        "x_scaled_elementwise": tft.scale_by_min_max(tf.tile(inputs["x"], [1, multiple]),
                                                     elementwise=True),
    }

  input_data = []
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([1], tf.float32)})
  test_data = [{"x": [100]}, {"x": [1]}, {"x": [12]}]
  expected_data = [{"x_scaled": [v], "x_scaled_elementwise": [v] * multiple}
                   for v in [1.0, 0.7310585, 0.9999938]]
  expected_metadata = tft_unit.metadata({
      "x_scaled": tf.io.FixedLenFeature([1], tf.float32),
      "x_scaled_elementwise": tf.io.FixedLenFeature([multiple], tf.float32),
  })
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata, test_data=test_data)


_SCALE_TO_Z_SCORE_TEST_CASES = [
    dict(testcase_name="int16", input_data=np.array([[1], [1], [2], [2]], np.int16),
         output_data=np.array([[-1.0], [-1.0], [1.0], [1.0]], np.float32), elementwise=False),
    dict(testcase_name="int32", input_data=np.array([[1], [1], [2], [2]], np.int32),
         output_data=np.array([[-1.0], [-1.0], [1.0], [1.0]], np.float32), elementwise=False),
    dict(testcase_name="int64", input_data=np.array([[1], [1], [2], [2]], np.int64),
         output_data=np.array([[-1.0], [-1.0], [1.0], [1.0]], np.float32), elementwise=False),
    dict(testcase_name="float32", input_data=np.array([[1], [1], [2], [2]], np.float32),
         output_data=np.array([[-1.0], [-1.0], [1.0], [1.0]], np.float32), elementwise=False),
    dict(testcase_name="float64", input_data=np.array([[1], [1], [2], [2]], np.float64),
         output_data=np.array([[-1.0], [-1.0], [1.0], [1.0]], np.float64), elementwise=False),
    dict(testcase_name="vector", input_data=np.array([[1, 2], [3, 4]], np.float32),
         output_data=np.array([[-3, -1], [1, 3]] / np.sqrt(5.0), np.float32),
         elementwise=False),
    dict(testcase_name="vector_elementwise", input_data=np.array([[1, 2], [3, 4]], np.float32),
         output_data=np.array([[-1.0, -1.0], [1.0, 1.0]], np.float32), elementwise=True),
    dict(testcase_name="zero_variance", input_data=np.array([[3], [3], [3], [3]], np.float32),
         output_data=np.array([[0], [0], [0], [0]], np.float32), elementwise=False),
    dict(testcase_name="zero_variance_elementwise",
         input_data=np.array([[3, 4], [3, 4]], np.float32),
         output_data=np.array([[0, 0], [0, 0]], np.float32), elementwise=True),
]

_SCALE_TO_Z_SCORE_NAN_TEST_CASES = [
    dict(testcase_name="with_nans", input_data=np.array([[1], [np.nan], [np.nan], [2]],
                                                        np.float32),
         output_data=np.array([[-1.0], [np.nan], [np.nan], [1.0]], np.float32),
         elementwise=False),
    dict(testcase_name="with_nans_elementwise",
         input_data=np.array([[1, np.nan], [np.nan, 2]], np.float32),
         output_data=np.array([[0, np.nan], [np.nan, 0]], np.float32), elementwise=True),
]


@pytest.mark.parametrize("input_data,output_data,elementwise", [
    pytest.param(c["input_data"], c["output_data"], c["elementwise"], id=c["testcase_name"])
    for c in _SCALE_TO_Z_SCORE_TEST_CASES + _SCALE_TO_Z_SCORE_NAN_TEST_CASES])
def test_scale_to_z_score(input_data, output_data, elementwise):
  def preprocessing_fn(inputs):
    x = inputs["x"]
    x_cast = tf.cast(x, tf.as_dtype(input_data.dtype))
    x_scaled = tft.scale_to_z_score(x_cast, elementwise=elementwise)
    assert x_scaled.dtype == tf.as_dtype(output_data.dtype), x_scaled.dtype
    return {"x_scaled": tf.cast(x_scaled, tf.float32)}

  input_data_dicts = [{"x": x} for x in input_data]
  expected_data_dicts = [{"x_scaled": x_scaled} for x_scaled in output_data]
  input_metadata = tft_unit.metadata({
      "x": tf.io.FixedLenFeature(
          input_data.shape[1:],
          tft_unit.canonical_numeric_dtype(tf.as_dtype(input_data.dtype))),
  })
  expected_metadata = tft_unit.metadata(
      {"x_scaled": tf.io.FixedLenFeature(output_data.shape[1:], tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data_dicts, input_metadata, preprocessing_fn,
                                        expected_data_dicts, expected_metadata)


@pytest.mark.parametrize("input_dtype,elementwise", [
    pytest.param(dtype, elementwise, id="%s-elementwise_%s" % (dtype.name, elementwise))
    for dtype in _DTYPES for elementwise in (True, False)])
def test_scale_to_z_score_sparse(input_dtype, elementwise):
  def preprocessing_fn(inputs):
    z_score = tf.sparse.to_dense(
        tft.scale_to_z_score(tf.cast(inputs["x"], input_dtype), elementwise=elementwise),
        default_value=np.nan)
    z_score.set_shape([None, 4])
    assert z_score.dtype == _mean_output_dtype(input_dtype), z_score.dtype
    return {"x_scaled": tf.cast(z_score, tf.float32)}

  input_data = [
      {"idx": [0, 1], "val": [-4, 10]},
      {"idx": [0, 1], "val": [2, 4]},
  ]
  input_metadata = tft_unit.metadata({
      "x": tf.io.SparseFeature("idx", "val", tft_unit.canonical_numeric_dtype(input_dtype), 4)})
  if elementwise:
    # Mean(x) = [-1, 7], Var(x) = [9, 9], StdDev(x) = [3, 3]
    expected_data = [
        {"x_scaled": [-1.0, 1.0, float("nan"), float("nan")]},  # [(-4 + 1) / 3, (10 - 7) / 3]
        {"x_scaled": [1.0, -1.0, float("nan"), float("nan")]},  # [(2 + 1) / 3, (4 - 7) / 3]
    ]
  else:
    # Mean = 3, Var = 25, Std Dev = 5
    expected_data = [
        {"x_scaled": [-1.4, 1.4, float("nan"), float("nan")]},  # [(-4 - 3) / 5, (10 - 3) / 5]
        {"x_scaled": [-0.2, 0.2, float("nan"), float("nan")]},  # [(2 - 3) / 5, (4 - 3) / 5]
    ]
  if input_dtype.is_floating:
    input_data.append({"idx": [0, 1], "val": [np.nan, np.nan]})
    expected_data.append({"x_scaled": [float("nan"), float("nan"), float("nan"),
                                       float("nan")]})
  expected_metadata = tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([4], tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


_DTYPE_PARAMS = pytest.mark.parametrize("input_dtype", _DTYPES, ids=[d.name for d in _DTYPES])


@_DTYPE_PARAMS
def test_scale_to_z_score_sparse_per_dense_key(input_dtype):
  def preprocessing_fn(inputs):
    def scale_to_z_score_per_key(tensor, key):
      z_score = tft.scale_to_z_score_per_key(tf.cast(tensor, input_dtype), key=key,
                                             elementwise=False)
      assert z_score.dtype == _mean_output_dtype(input_dtype), z_score.dtype
      return tf.cast(z_score, tf.float32)

    return {"x_scaled": scale_to_z_score_per_key(inputs["x"], inputs["key"]),
            "y_scaled": scale_to_z_score_per_key(inputs["y"], inputs["key"])}

  np_dtype = input_dtype.as_numpy_dtype
  input_data = [
      {"x": np.array([-4, 2], dtype=np_dtype), "y": np.array([0, 0], dtype=np_dtype),
       "key": "a"},
      {"x": np.array([10, 4], dtype=np_dtype), "y": np.array([0, 0], dtype=np_dtype),
       "key": "a"},
      {"x": np.array([1, -1], dtype=np_dtype), "y": np.array([0, 0], dtype=np_dtype),
       "key": "b"},
  ]
  # 'a': Mean(x) = 3, Mean(y) = 0, Var(x) = 25, Var(y) = 0, StdDev(x) = 5, StdDev(y) = 0
  # 'b': Mean(x) = 0, Mean(y) = 0, Var(x) = 1, Var(y) = 0, StdDev(x) = 1, StdDev(y) = 0
  expected_data = [
      {"x_scaled": [-1.4, -0.2], "y_scaled": [0.0, 0.0]},  # [(-4 - 3) / 5, (2 - 3) / 5]
      {"x_scaled": [1.4, 0.2], "y_scaled": [0.0, 0.0]},  # [(10 - 3) / 5, (4 - 3) / 5]
      {"x_scaled": [1.0, -1.0], "y_scaled": [0.0, 0.0]},  # [(1 - 0) / 1, (-1 - 0) / 1]
  ]
  input_metadata = tft_unit.metadata({
      "x": tf.io.VarLenFeature(tft_unit.canonical_numeric_dtype(input_dtype)),
      "y": tf.io.VarLenFeature(tft_unit.canonical_numeric_dtype(input_dtype)),
      "key": tf.io.FixedLenFeature([], tf.string),
  })
  expected_metadata = tft_unit.metadata({"x_scaled": tf.io.VarLenFeature(tf.float32),
                                         "y_scaled": tf.io.VarLenFeature(tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


@pytest.mark.parametrize("key_vocabulary_filename", [
    pytest.param("", id="empty_filename"),
    pytest.param("per_key", id="nonempty_filename"),
    pytest.param(None, id="none_filename"),
])
def test_scale_to_z_score_per_key(key_vocabulary_filename):
  def preprocessing_fn(inputs):
    def scale_to_z_score_per_key(tensor, key, var_name=""):
      if key_vocabulary_filename is None:
        filename = None
      else:
        filename = key_vocabulary_filename + var_name
      z_score = tft.scale_to_z_score_per_key(tf.cast(tensor, tf.float32), key=key,
                                             elementwise=False,
                                             key_vocabulary_filename=filename)
      assert z_score.dtype == tf.float32, z_score.dtype
      return z_score

    return {"x_scaled": scale_to_z_score_per_key(inputs["x"], inputs["key"], "x"),
            "y_scaled": scale_to_z_score_per_key(inputs["y"], inputs["key"], "y"),
            "s_scaled": scale_to_z_score_per_key(inputs["s"], inputs["key"], "s")}

  np_dtype = np.float32
  input_data = [
      {"x": np.array([-4], dtype=np_dtype), "y": np.array([0], dtype=np_dtype), "s": 3,
       "key": "a"},
      {"x": np.array([10], dtype=np_dtype), "y": np.array([0], dtype=np_dtype), "s": -3,
       "key": "a"},
      {"x": np.array([1], dtype=np_dtype), "y": np.array([0], dtype=np_dtype), "s": 3,
       "key": "b"},
      {"x": np.array([2], dtype=np_dtype), "y": np.array([0], dtype=np_dtype), "s": 3,
       "key": "a"},
      {"x": np.array([4], dtype=np_dtype), "y": np.array([0], dtype=np_dtype), "s": -3,
       "key": "a"},
      {"x": np.array([-1], dtype=np_dtype), "y": np.array([0], dtype=np_dtype), "s": -3,
       "key": "b"},
      {"x": np.array([np.nan], dtype=np_dtype), "y": np.array([np.nan], dtype=np_dtype),
       "s": np.nan, "key": "b"},
  ]
  # 'a': Mean(x) = 3, Mean(y) = 0, Var(x) = 25, Var(y) = 0, StdDev(x) = 5, StdDev(y) = 0
  # 'b': Mean(x) = 0, Mean(y) = 0, Var(x) = 1, Var(y) = 0, StdDev(x) = 1, StdDev(y) = 0
  expected_data = [
      {"x_scaled": [-1.4], "y_scaled": [0.0], "s_scaled": 1.0},
      {"x_scaled": [1.4], "y_scaled": [0.0], "s_scaled": -1.0},
      {"x_scaled": [1.0], "y_scaled": [0.0], "s_scaled": 1.0},
      {"x_scaled": [-0.2], "y_scaled": [0.0], "s_scaled": 1.0},
      {"x_scaled": [0.2], "y_scaled": [0.0], "s_scaled": -1.0},
      {"x_scaled": [-1.0], "y_scaled": [0.0], "s_scaled": -1.0},
      {"x_scaled": [np.nan], "y_scaled": [np.nan], "s_scaled": np.nan},
  ]
  input_metadata = tft_unit.metadata({
      "x": tf.io.FixedLenFeature([1], tft_unit.canonical_numeric_dtype(tf.float32)),
      "y": tf.io.FixedLenFeature([1], tft_unit.canonical_numeric_dtype(tf.float32)),
      "s": tf.io.FixedLenFeature([], tft_unit.canonical_numeric_dtype(tf.float32)),
      "key": tf.io.FixedLenFeature([], tf.string),
  })
  expected_metadata = tft_unit.metadata({
      "x_scaled": tf.io.FixedLenFeature([1], tf.float32),
      "y_scaled": tf.io.FixedLenFeature([1], tf.float32),
      "s_scaled": tf.io.FixedLenFeature([], tf.float32),
  })
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


@pytest.mark.parametrize("input_data,expected_data,input_metadata,expected_metadata", [
    pytest.param(
        [
            {"x": [-4, 0], "key": "a"},
            {"x": [10, 0], "key": "a"},
            {"x": [2, 0], "key": "a"},
            {"x": [4, 0], "key": "a"},
            {"x": [1, 0], "key": "b"},
            {"x": [-1, 0], "key": "b"},
            {"x": [np.nan, np.nan], "key": "b"},
        ],
        # Elementwise = True
        # Mean      [a, b] = [[ 3.0, 0.0], [0.0, 0.0]]
        # Variance  [a, b] = [[25.0, 0.0], [1.0, 0.0]]
        # StdDev    [a, b] = [[ 5.0, 0.0], [1.0, 0.0]]
        [
            {"x_scaled": [-1.4, 0.0]},  # [(-4 - 3) / 5, (0 - 0) / 0]
            {"x_scaled": [1.4, 0.0]},  # [(10 - 3) / 5, (0 - 0) / 0]
            {"x_scaled": [-0.2, 0.0]},  # [(2 - 3) / 5, (0 - 0) / 0]
            {"x_scaled": [0.2, 0.0]},  # [(4 - 3) / 5, (0 - 0) / 0]
            {"x_scaled": [1.0, 0.0]},  # [(1 - 0) / 1, (0 - 0) / 0]
            {"x_scaled": [-1.0, 0.0]},  # [(-1 - 0) / 1, (0 - 0) / 0]
            {"x_scaled": [np.nan, np.nan]},
        ],
        tft_unit.metadata({"x": tf.io.FixedLenFeature([2], tf.float32),
                           "key": tf.io.FixedLenFeature([], tf.string)}),
        tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([2], tf.float32)}),
        id="float"),
    pytest.param(
        [
            {"x": [[-4, -8], [-12, -16]], "key": "a"},
            {"x": [[10, 20], [30, 40]], "key": "a"},
            {"x": [[2, 4], [6, 8]], "key": "a"},
            {"x": [[4, 8], [12, 16]], "key": "a"},
            {"x": [[1, 2], [3, 4]], "key": "b"},
        ],
        [
            {"x_scaled": [[-1.4, -1.4], [-1.4, -1.4]]},
            {"x_scaled": [[1.4, 1.4], [1.4, 1.4]]},
            {"x_scaled": [[-0.2, -0.2], [-0.2, -0.2]]},
            {"x_scaled": [[0.2, 0.2], [0.2, 0.2]]},
            {"x_scaled": [[0.0, 0.0], [0.0, 0.0]]},
        ],
        tft_unit.metadata({"x": tf.io.FixedLenFeature([2, 2], tf.float32),
                           "key": tf.io.FixedLenFeature([], tf.string)}),
        tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([2, 2], tf.float32)}),
        id="float_3dims"),
])
def test_scale_to_z_score_per_key_elementwise(input_data, expected_data, input_metadata,
                                              expected_metadata):
  def preprocessing_fn(inputs):
    outputs = {}
    outputs["x_scaled"] = tft.scale_to_z_score_per_key(
        tf.cast(inputs["x"], tf.float32), key=inputs["key"], elementwise=True,
        key_vocabulary_filename=None)
    assert outputs["x_scaled"].dtype == tf.float32, outputs["x_scaled"].dtype
    return outputs

  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


@_DTYPE_PARAMS
def test_scale_to_z_score_sparse_per_key(input_dtype):
  def preprocessing_fn(inputs):
    z_score = tf.sparse.to_dense(
        tft.scale_to_z_score_per_key(tf.cast(inputs["x"], input_dtype), inputs["key"],
                                     elementwise=False),
        default_value=np.nan)
    z_score.set_shape([None, 4])
    assert z_score.dtype == _mean_output_dtype(input_dtype), z_score.dtype
    return {"x_scaled": tf.cast(z_score, tf.float32)}

  input_data = [
      {"idx": [0, 1], "val": [-4, 10], "key_idx": [0, 1], "key": ["a", "a"]},
      {"idx": [0, 1], "val": [2, 1], "key_idx": [0, 1], "key": ["a", "b"]},
      {"idx": [0, 1], "val": [-1, 4], "key_idx": [0, 1], "key": ["b", "a"]},
  ]
  input_metadata = tft_unit.metadata({
      "key": tf.io.SparseFeature("key_idx", "key", tf.string, 4),
      "x": tf.io.SparseFeature("idx", "val", tft_unit.canonical_numeric_dtype(input_dtype), 4),
  })
  # 'a': Mean = 3, Var = 25, Std Dev = 5
  # 'b': Mean = 0, Var = 1, Std Dev = 1
  expected_data = [
      {"x_scaled": [-1.4, 1.4, float("nan"), float("nan")]},  # [(-4 - 3) / 5, (10 - 3) / 5]
      {"x_scaled": [-0.2, 1.0, float("nan"), float("nan")]},  # [(2 - 3) / 5, (1 - 0) / 1]
      {"x_scaled": [-1.0, 0.2, float("nan"), float("nan")]},  # [(-1 - 0) / 1, (4 - 3) / 5]
  ]
  if input_dtype.is_floating:
    input_data.append({"idx": [0, 1], "val": [np.nan, np.nan], "key_idx": [0, 1],
                       "key": ["a", "b"]})
    expected_data.append({"x_scaled": [float("nan"), float("nan"), float("nan"),
                                       float("nan")]})
  expected_metadata = tft_unit.metadata({"x_scaled": tf.io.FixedLenFeature([4], tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata)


def test_scale_to_z_score_with_empty_inputs():
  # x is repeated `multiple` times to test elementwise mapping.
  multiple = 3

  def preprocessing_fn(inputs):
    return {
        "x_scaled": tft.scale_to_z_score(inputs["x"]),
        "x_scaled_elementwise": tft.scale_to_z_score(tf.tile(inputs["x"], [1, multiple]),
                                                     elementwise=True),
    }

  input_data = []
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([1], tf.float32)})
  test_data = [{"x": [100]}, {"x": [1]}, {"x": [12]}]
  expected_data = [{"x_scaled": [v], "x_scaled_elementwise": [v] * multiple}
                   for v in [100.0, 1.0, 12.0]]
  expected_metadata = tft_unit.metadata({
      "x_scaled": tf.io.FixedLenFeature([1], tf.float32),
      "x_scaled_elementwise": tf.io.FixedLenFeature([multiple], tf.float32),
  })
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, expected_metadata, test_data=test_data)


def test_mean_and_var():
  # TFT calls the private analyzers._mean_and_var(x); tft.mean and tft.var are its public
  # halves (both return _mean_and_var(x)[i] in TFT).
  def analyzer_fn(inputs):
    mean, var = tft.mean(inputs["x"]), tft.var(inputs["x"])
    return {"mean": mean, "var": var}

  # NOTE: 11 batches: the data has 110 elements and the batch size is 10.
  input_data = [{"x": [x if x < 101 else np.nan]} for x in range(1, 111)]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([1], tf.float32)})
  expected_outputs = {"mean": np.float32(50.5), "var": np.float32(833.25)}
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, analyzer_fn, expected_outputs,
                           desired_batch_size=10)


@pytest.mark.parametrize("use_vocabulary", [True, False],
                         ids=["use_vocabulary_True", "use_vocabulary_False"])
def test_per_key_with_oov_keys(use_vocabulary):
  def preprocessing_fn(inputs):
    result = {}
    result["x_scaled"] = tft.scale_to_0_1_per_key(
        inputs["x"], inputs["key"], elementwise=False,
        key_vocabulary_filename="a" if use_vocabulary else None)
    result["x_z_score"] = tft.scale_to_z_score_per_key(
        inputs["x"], inputs["key"], elementwise=False,
        key_vocabulary_filename="b" if use_vocabulary else None)
    result["x_bucketized"] = tft.bucketize_per_key(inputs["x"], inputs["key"], 3)
    return result

  input_data = [
      dict(x=4, key="a"),
      dict(x=1, key="a"),
      dict(x=5, key="a"),
      dict(x=2, key="a"),
      dict(x=25, key="b"),
      dict(x=5, key="b"),
  ]
  test_data = input_data + [dict(x=5, key="oov")]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32),
                                      "key": tf.io.FixedLenFeature([], tf.string)})
  expected_data = [
      {"x_scaled": 0.75, "x_z_score": 0.6324555, "x_bucketized": 2},
      {"x_scaled": 0.0, "x_z_score": -1.264911, "x_bucketized": 0},
      {"x_scaled": 1.0, "x_z_score": 1.264911, "x_bucketized": 2},
      {"x_scaled": 0.25, "x_z_score": -0.6324555, "x_bucketized": 1},
      {"x_scaled": 1.0, "x_z_score": 1.0, "x_bucketized": 2},
      {"x_scaled": 0.0, "x_z_score": -1.0, "x_bucketized": 1},
      {"x_scaled": _sigmoid(5), "x_z_score": 5.0, "x_bucketized": -1},
  ]
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_data, test_data=test_data)


@pytest.mark.parametrize("input_data,input_metadata,expected_outputs", [
    pytest.param(
        [{"key": "a" if x < 25 else "b"} for x in range(100)],
        tft_unit.metadata({"key": tf.io.FixedLenFeature([], tf.string)}),
        {"elements": np.array([b"a", b"b"], object), "counts": np.array([25, 75], np.int64)},
        id="string"),
    pytest.param(
        [{"key": 0 if x < 25 else 1} for x in range(100)],
        tft_unit.metadata({"key": tf.io.FixedLenFeature([], tf.int64)}),
        {"elements": np.array([0, 1], np.int64), "counts": np.array([25, 75], np.int64)},
        id="int"),
    pytest.param(
        [{"key": [0] if x < 25 else [1]} for x in range(100)],
        tft_unit.metadata({"key": tf.io.VarLenFeature(tf.int64)}),
        {"elements": np.array([0, 1], np.int64), "counts": np.array([25, 75], np.int64)},
        id="int_sparse"),
    pytest.param(
        [{"key": [0, 1] if x < 25 else [1], "idx0": [0, 1] if x < 25 else [0],
          "idx1": [0, 1] if x < 25 else [0]} for x in range(100)],
        tft_unit.metadata(
            {"key": tf.io.SparseFeature(["idx0", "idx1"], "key", tf.int64, [2, 2])}),
        {"elements": np.array([0, 1], np.int64), "counts": np.array([25, 100], np.int64)},
        id="3d_sparse"),
])
def test_count_per_key(input_data, input_metadata, expected_outputs):
  def analyzer_fn(inputs):
    elements, counts = tft.count_per_key(inputs["key"])
    return {"elements": elements, "counts": counts}

  tft_unit.assert_analyzer_outputs(input_data, input_metadata, analyzer_fn, expected_outputs)


@pytest.mark.parametrize("input_data,make_feature_spec,boundaries,categorical,expected_outputs", [
    pytest.param(
        [{"x": [x]} for x in range(10, 100)],
        lambda: tf.io.FixedLenFeature([1], tf.int64),
        10 * np.arange(11, dtype=np.float32),
        False,
        {"hist": 10 * np.array([0] + [1] * 9, np.int64),
         "boundaries": 10 * np.arange(11, dtype=np.float32).reshape((1, 11))},
        id="uniform"),
    pytest.param(
        [{"x": [str(x % 10) + "_"]} for x in range(1, 101)],
        lambda: tf.io.FixedLenFeature([1], tf.string),
        None,
        True,
        {"hist": 10 * np.ones(10, np.int64),
         "boundaries": np.asarray(
             sorted([tf.compat.as_bytes(str(x % 10) + "_") for x in range(10)]),
             dtype=object)},
        id="categorical_string"),
    pytest.param(
        [{"x": [(x % 10)]} for x in range(1, 101)],
        lambda: tf.io.FixedLenFeature([1], tf.int64),
        None,
        True,
        {"hist": 10 * np.ones(10, np.int64), "boundaries": np.arange(10)},
        id="categorical_int"),
    pytest.param(
        [{"val": [(x % 10)], "idx0": [(x % 2)], "idx1": [((x + 1) % 2)]}
         for x in range(1, 101)],
        lambda: tf.io.SparseFeature(["idx0", "idx1"], "val", tf.int64, [2, 2]),
        None,
        True,
        {"hist": 10 * np.ones(10, np.int64), "boundaries": np.arange(10)},
        id="sparse"),
    pytest.param(
        [{"val": [x % 10, 9 - (x % 10)], "row_lengths": [0, 1, 1]} for x in range(1, 101)],
        lambda: tf.io.RaggedFeature(tf.int64, value_key="val",
                                    partitions=[tf.io.RaggedFeature.RowLengths("row_lengths")]),
        None,
        True,
        {"hist": 20 * np.ones(10, np.int64), "boundaries": np.arange(10)},
        id="ragged"),
])
def test_histograms(input_data, make_feature_spec, boundaries, categorical, expected_outputs):
  input_metadata = tft_unit.metadata({"x": make_feature_spec()})

  def analyzer_fn(inputs):
    counts, bucket_boundaries = tft.histogram(inputs["x"], categorical=categorical,
                                              boundaries=boundaries)
    if not categorical:
      bucket_boundaries = tf.math.round(bucket_boundaries)
    return {"hist": counts, "boundaries": bucket_boundaries}

  tft_unit.assert_analyzer_outputs(input_data, input_metadata, analyzer_fn, expected_outputs)


def test_prob_categorical_int():
  def preprocessing_fn(inputs):
    return {"probs": tft.estimated_probability_density(inputs["x"], categorical=True)}

  # NOTE: 10 batches: the data has 100 elements and the batch size is 10.
  input_data = [{"x": [x % 10]} for x in range(1, 101)]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([1], tf.int64)})
  expected_outputs = [{"probs": np.array(np.ones(1) / 10.0, np.float32)} for _ in range(100)]
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_outputs, desired_batch_size=10)


def test_prob_categorical():
  def preprocessing_fn(inputs):
    return {"probs": tft.estimated_probability_density(inputs["x"], categorical=True)}

  # NOTE: 10 batches: the data has 100 elements and the batch size is 10.
  input_data = [{"x": [str(x % 10) + "_"]} for x in range(1, 101)]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([1], tf.string)})
  expected_outputs = [{"probs": np.array(np.ones(1) / 10.0, np.float32)} for _ in range(100)]
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_outputs, desired_batch_size=10)


def test_prob_ten_boundaries():
  # Drawn uniformly from the range (0, 100], the expected density is 0.01.
  def preprocessing_fn(inputs):
    return {"probs": tft.estimated_probability_density(inputs["x"],
                                                       boundaries=list(range(0, 101, 10)))}

  # NOTE: 10 batches: the data has 100 elements and the batch size is 10.
  input_data = [{"x": [x]} for x in range(100)]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([1], tf.int64)})
  expected_outputs = [{"probs": np.array(np.ones(1) / (100.0), np.float32)}
                      for _ in range(100)]
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_outputs, desired_batch_size=10)


@pytest.mark.parametrize("input_data,expected_outputs,boundaries", [
    pytest.param(
        [{"x": [x]} for x in range(100)],
        [{"probs": np.array(np.ones(1) / 99.0, np.float32)} for _ in range(100)],
        6,
        id="uniform"),
    pytest.param(
        [{"x": [x]} for x in list(range(25)) + (list(range(50, 75)) + list(range(50, 75))
                                                + list(range(75, 100)))],
        [{"probs": np.ones((1), np.float32) / 99.0 * (2.0 if 24 < i < 75 else 1.0)}
         for i in range(100)],
        5,
        id="nonuniform_with_zeros"),
    pytest.param([], [], 5, id="empty"),
])
def test_prob_unknown_boundaries(input_data, expected_outputs, boundaries):
  # uniform: 100 points over a range of 99; nonuniform_with_zeros: an uneven distribution.
  def preprocessing_fn(inputs):
    return {"probs": tft.estimated_probability_density(inputs["x"], boundaries=boundaries)}

  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([1], tf.int64)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_outputs)
