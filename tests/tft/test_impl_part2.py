"""TFT 1.21's beam/impl_test.py cases, from testNumericAnalyzersWithScalarInputs to the end, on
tfx_core.transform: TFT's inputs, preprocessing_fns and expected values, in our style."""

import copy
import os

import numpy as np
import pytest
import tensorflow as tf

import tfx_core.transform as tft
from tests.tft import tft_unit


def _sigmoid(x):
  return 1 / (1 + np.exp(-x))


def _cross(*lists):
  """TFT's cross_named_parameters: the product of lists of (testcase_name, params) pairs, named
  by joining the names with '_'."""
  crossed = [("", {})]
  for cases in lists:
    crossed = [((name + "_" + n) if name else n, dict(params, **p))
               for name, params in crossed for n, p in cases]
  return crossed


_SCALAR_INPUT_CASES = [
    ("Int64In", tf.int64, {"min": tf.int64, "max": tf.int64, "sum": tf.int64,
                           "size": tf.int64, "mean": tf.float32, "var": tf.float32}),
    ("Int32In", tf.int32, {"min": tf.int32, "max": tf.int32, "sum": tf.int64,
                           "size": tf.int64, "mean": tf.float32, "var": tf.float32}),
    ("Int16In", tf.int16, {"min": tf.int16, "max": tf.int16, "sum": tf.int64,
                           "size": tf.int64, "mean": tf.float32, "var": tf.float32}),
    ("Float64In", tf.float64, {"min": tf.float64, "max": tf.float64, "sum": tf.float64,
                               "size": tf.int64, "mean": tf.float64, "var": tf.float64}),
    ("Float32In", tf.float32, {"min": tf.float32, "max": tf.float32, "sum": tf.float32,
                               "size": tf.int64, "mean": tf.float32, "var": tf.float32}),
    ("Float16In", tf.float16, {"min": tf.float16, "max": tf.float16, "sum": tf.float32,
                               "size": tf.int64, "mean": tf.float16, "var": tf.float16}),
]


@pytest.mark.parametrize("input_dtype,output_dtypes", [c[1:] for c in _SCALAR_INPUT_CASES],
                         ids=[c[0] for c in _SCALAR_INPUT_CASES])
def test_numeric_analyzers_with_scalar_inputs(input_dtype, output_dtypes):
  def analyzer_fn(inputs):
    a = tf.cast(inputs["a"], input_dtype)

    def assert_and_cast_dtype(tensor, out_dtype):
      assert tensor.dtype == out_dtype, (tensor.dtype, out_dtype)
      return tf.cast(tensor, tft_unit.canonical_numeric_dtype(out_dtype))

    return {
        "min": assert_and_cast_dtype(tft.min(a), output_dtypes["min"]),
        "max": assert_and_cast_dtype(tft.max(a), output_dtypes["max"]),
        "sum": assert_and_cast_dtype(tft.sum(a), output_dtypes["sum"]),
        "size": assert_and_cast_dtype(tft.size(a), output_dtypes["size"]),
        "mean": assert_and_cast_dtype(tft.mean(a), output_dtypes["mean"]),
        "var": assert_and_cast_dtype(tft.var(a), output_dtypes["var"]),
    }

  input_data = [{"a": 4}, {"a": 1}]
  input_metadata = tft_unit.metadata(
      {"a": tf.io.FixedLenFeature([], tft_unit.canonical_numeric_dtype(input_dtype))})

  def expected(value, key):
    return np.array(value, tft_unit.canonical_numeric_dtype(output_dtypes[key]).as_numpy_dtype)

  expected_outputs = {
      "min": expected(1, "min"),
      "max": expected(4, "max"),
      "sum": expected(5, "sum"),
      "size": expected(2, "size"),
      "mean": expected(2.5, "mean"),
      "var": expected(2.25, "var"),
  }
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, analyzer_fn, expected_outputs)


# testNumericAnalyzersWithCompositeInputs

_SPARSE_INPUT_DATA = [
    {"idx0": [0, 1], "idx1": [0, 1], "val": [0, 1]},
    {"idx0": [1, 2], "idx1": [1, 3], "val": [2, 3]},
]

_COMPOSITE_ANALYZER_INPUTS = [
    ("sparse", dict(
        input_data=_SPARSE_INPUT_DATA,
        make_feature_spec=lambda dtype: tf.io.SparseFeature(
            ["idx0", "idx1"], "val", dtype, (3, 4)),
        expected_outputs={"min": 0.0, "max": 3.0, "sum": 6.0, "size": 4, "mean": 1.5,
                          "var": 1.25},
        reduce_instance_dims=True)),
    ("sparse_elementwise", dict(
        input_data=_SPARSE_INPUT_DATA,
        make_feature_spec=lambda dtype: tf.io.SparseFeature(
            ["idx0", "idx1"], "val", dtype, (3, 4)),
        expected_outputs={
            # np.nan in place of missing values, replaced according to the dtype in the test.
            "min": [[0.0, np.nan, np.nan, np.nan], [np.nan, 1.0, np.nan, np.nan],
                    [np.nan, np.nan, np.nan, 3.0]],
            "max": [[0.0, np.nan, np.nan, np.nan], [np.nan, 2.0, np.nan, np.nan],
                    [np.nan, np.nan, np.nan, 3.0]],
            "sum": [[0.0, 0.0, 0.0, 0.0], [0.0, 3.0, 0.0, 0.0], [0.0, 0.0, 0.0, 3.0]],
            "size": [[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 0, 1]],
            "mean": [[0.0, np.nan, np.nan, np.nan], [np.nan, 1.5, np.nan, np.nan],
                     [np.nan, np.nan, np.nan, 3.0]],
            "var": [[0.0, np.nan, np.nan, np.nan], [np.nan, 0.25, np.nan, np.nan],
                    [np.nan, np.nan, np.nan, 0.0]],
        },
        reduce_instance_dims=False)),
    ("ragged", dict(
        input_data=[{"val": [0.0, 2.0, 3.0], "row_lengths": [0, 3]},
                    {"val": [3.0, 3.0, 1.0], "row_lengths": [3]}],
        make_feature_spec=lambda dtype: tf.io.RaggedFeature(
            dtype, value_key="val",
            partitions=[tf.io.RaggedFeature.RowLengths("row_lengths")]),
        expected_outputs={"min": 0.0, "max": 3.0, "sum": 12.0, "size": 6, "mean": 2.0,
                          "var": 1.333333},
        reduce_instance_dims=True)),
]

_COMPOSITE_ANALYZER_DTYPES = [
    ("int16", dict(input_dtype=tf.int16)),
    ("int32", dict(input_dtype=tf.int32)),
    ("int64", dict(input_dtype=tf.int64)),
    ("float32", dict(input_dtype=tf.float32)),
    ("tf.float64", dict(input_dtype=tf.float64)),
    ("tf.uint8", dict(input_dtype=tf.uint8)),
    ("tf.uint16", dict(input_dtype=tf.uint16)),
]

_COMPOSITE_ANALYZER_CASES = _cross(_COMPOSITE_ANALYZER_INPUTS, _COMPOSITE_ANALYZER_DTYPES)


@pytest.mark.parametrize("case", [c[1] for c in _COMPOSITE_ANALYZER_CASES],
                         ids=[c[0] for c in _COMPOSITE_ANALYZER_CASES])
def test_numeric_analyzers_with_composite_inputs(case):
  # A copy: TFT mutates input_data and expected_outputs, shared between its parameterizations.
  case = copy.deepcopy(case)
  input_data, expected_outputs = case["input_data"], case["expected_outputs"]
  reduce_instance_dims, input_dtype = case["reduce_instance_dims"], case["input_dtype"]
  make_feature_spec = case["make_feature_spec"]

  output_dtype = tft_unit.canonical_numeric_dtype(input_dtype)
  input_metadata = tft_unit.metadata({"a": make_feature_spec(output_dtype)})

  def analyzer_fn(inputs):
    return {
        "min": tft.min(inputs["a"], reduce_instance_dims),
        "max": tft.max(inputs["a"], reduce_instance_dims),
        "sum": tft.sum(inputs["a"], reduce_instance_dims),
        "size": tft.size(inputs["a"], reduce_instance_dims),
        "mean": tft.mean(inputs["a"], reduce_instance_dims),
        "var": tft.var(inputs["a"], reduce_instance_dims),
    }

  input_val_dtype = input_dtype.as_numpy_dtype
  for instance in input_data:
    instance["val"] = np.array(instance["val"], input_val_dtype)
  if not reduce_instance_dims:
    if input_dtype.is_floating:
      missing_value_max = float("nan")
      missing_value_min = float("nan")
    else:
      missing_value_max = np.iinfo(output_dtype.as_numpy_dtype).min
      missing_value_min = np.iinfo(output_dtype.as_numpy_dtype).max
    for row in expected_outputs["min"]:
      for idx in range(len(row)):
        if np.isnan(row[idx]):
          row[idx] = missing_value_min
    for row in expected_outputs["max"]:
      for idx in range(len(row)):
        if np.isnan(row[idx]):
          row[idx] = missing_value_max
  for op in ("min", "max", "sum"):
    expected_outputs[op] = np.array(expected_outputs[op], output_dtype.as_numpy_dtype)
  expected_outputs["size"] = np.array(expected_outputs["size"], np.int64)
  expected_outputs["mean"] = np.array(expected_outputs["mean"], np.float32)
  expected_outputs["var"] = np.array(expected_outputs["var"], np.float32)
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, analyzer_fn, expected_outputs)


# testNumericMappersWithCompositeInputs

_SPARSE_INT_INPUT_DATA = [
    {"idx0": [0, 1], "idx1": [0, 1], "val": np.array([0, 1], dtype=np.int64)},
    {"idx0": [1, 2], "idx1": [1, 3], "val": np.array([2, 3], dtype=np.int64)},
]


def _sparse_mapper_outputs(indices_0, indices_1, scale_to_0_1, scale_to_z_score,
                           scale_by_min_max):
  row = {}
  for name in ("scale_to_0_1", "scale_to_z_score", "scale_by_min_max"):
    row[name + "$sparse_indices_0"] = np.array(indices_0)
    row[name + "$sparse_indices_1"] = np.array(indices_1)
  row["scale_to_0_1$sparse_values"] = np.array(scale_to_0_1, dtype=np.float32)
  row["scale_to_z_score$sparse_values"] = np.array(scale_to_z_score, dtype=np.float32)
  row["scale_by_min_max$sparse_values"] = np.array(scale_by_min_max, dtype=np.float32)
  return row


_COMPOSITE_MAPPER_CASES = [
    ("sparse", dict(
        input_data=_SPARSE_INT_INPUT_DATA,
        make_feature_spec=lambda: tf.io.SparseFeature(
            ["idx0", "idx1"], "val", tf.int64, (3, 4)),
        elementwise=False,
        expected_outputs=[
            _sparse_mapper_outputs(
                [0, 1], [0, 1], [0.0, 1.0 / 3.0],
                [-1.5 / np.sqrt(1.25), -0.5 / np.sqrt(1.25)], [0.0, 1.0 / 3.0]),
            _sparse_mapper_outputs(
                [1, 2], [1, 3], [2.0 / 3.0, 1.0],
                [0.5 / np.sqrt(1.25), 1.5 / np.sqrt(1.25)], [2.0 / 3.0, 1.0]),
        ])),
    ("sparse_elementwise", dict(
        input_data=_SPARSE_INT_INPUT_DATA,
        make_feature_spec=lambda: tf.io.SparseFeature(
            ["idx0", "idx1"], "val", tf.int64, (3, 4)),
        elementwise=True,
        expected_outputs=[
            _sparse_mapper_outputs([0, 1], [0, 1], [0.5, 0.0], [0, -1], [0.5, 0.0]),
            _sparse_mapper_outputs([1, 2], [1, 3], [1.0, _sigmoid(3)], [1, 0],
                                   [1.0, _sigmoid(3)]),
        ])),
    ("ragged", dict(
        input_data=[{"val": [0.0, 2.0, 3.0], "row_lengths": [0, 3]},
                    {"val": [3.0, 3.0, 1.0], "row_lengths": [3]}],
        make_feature_spec=lambda: tf.io.RaggedFeature(
            tf.float32, value_key="val",
            partitions=[tf.io.RaggedFeature.RowLengths("row_lengths")]),
        elementwise=False,
        expected_outputs=[
            {
                "scale_by_min_max$ragged_values": [0.0, 0.6666667, 1.0],
                "scale_to_z_score$row_lengths_1": [0, 3],
                "scale_to_0_1$row_lengths_1": [0, 3],
                "scale_to_0_1$ragged_values": [0.0, 0.6666667, 1.0],
                "scale_to_z_score$ragged_values": [-1.7320509, 0.0, 0.86602545],
                "scale_by_min_max$row_lengths_1": [0, 3],
            },
            {
                "scale_to_0_1$row_lengths_1": [3],
                "scale_by_min_max$row_lengths_1": [3],
                "scale_to_z_score$ragged_values": [0.86602545, 0.86602545, -0.86602545],
                "scale_to_z_score$row_lengths_1": [3],
                "scale_to_0_1$ragged_values": [1.0, 1.0, 0.33333334],
                "scale_by_min_max$ragged_values": [1.0, 1.0, 0.33333334],
            },
        ])),
    ("ragged_uniform", dict(
        input_data=[{"val": [0.0, 2.0, 3.0, 11.0, 2.0, 7.0]}, {"val": [3.0, 1.0, 2.0]}],
        make_feature_spec=lambda: tf.io.RaggedFeature(
            tf.float32, value_key="val",
            partitions=[tf.io.RaggedFeature.UniformRowLength(3)]),
        elementwise=False,
        expected_outputs=[
            {
                "scale_by_min_max$ragged_values": [
                    0.0, 0.18181819, 0.27272728, 1.0, 0.18181819, 0.6363636],
                "scale_to_z_score$ragged_values": [
                    -1.0645443, -0.4464218, -0.13736054, 2.3351295, -0.4464218, 1.0988845],
                "scale_to_0_1$ragged_values": [
                    0.0, 0.18181819, 0.27272728, 1.0, 0.18181819, 0.6363636],
            },
            {
                "scale_to_0_1$ragged_values": [0.27272728, 0.09090909, 0.18181819],
                "scale_by_min_max$ragged_values": [0.27272728, 0.09090909, 0.18181819],
                "scale_to_z_score$ragged_values": [-0.13736054, -0.7554831, -0.4464218],
            },
        ])),
    ("2d_ragged_uniform", dict(
        input_data=[{"val": [0.0, 2.0, 3.0, 1.0, 2.0, 7.0], "row_lengths": [0, 2, 0, 1]},
                    {"val": [3.0, 3.0, 1.0, 2.0], "row_lengths": [2]}],
        make_feature_spec=lambda: tf.io.RaggedFeature(
            tf.float32, value_key="val",
            partitions=[tf.io.RaggedFeature.RowLengths("row_lengths"),
                        tf.io.RaggedFeature.UniformRowLength(2)],
            # Row splits are always encoded as int64; a non-default row_splits_dtype still
            # works.
            row_splits_dtype=tf.int64),
        elementwise=False,
        expected_outputs=[
            {
                "scale_by_min_max$ragged_values": [
                    0.0, 0.285714, 0.428571, 0.142857, 0.285714, 1.0],
                "scale_by_min_max$row_lengths_1": [0, 2, 0, 1],
                "scale_to_z_score$row_lengths_1": [0, 2, 0, 1],
                "scale_to_z_score$ragged_values": [
                    -1.3333334, -0.22222228, 0.33333328, -0.77777785, -0.22222228, 2.5555556],
                "scale_to_0_1$row_lengths_1": [0, 2, 0, 1],
                "scale_to_0_1$ragged_values": [
                    0.0, 0.2857143, 0.42857143, 0.14285715, 0.2857143, 1.0],
            },
            {
                "scale_to_0_1$ragged_values": [0.42857143, 0.42857143, 0.14285715, 0.2857143],
                "scale_to_0_1$row_lengths_1": [2],
                "scale_by_min_max$ragged_values": [
                    0.42857143, 0.42857143, 0.14285715, 0.2857143],
                "scale_by_min_max$row_lengths_1": [2],
                "scale_to_z_score$ragged_values": [
                    0.33333328, 0.33333328, -0.77777785, -0.22222228],
                "scale_to_z_score$row_lengths_1": [2],
            },
        ])),
]


@pytest.mark.parametrize("case", [c[1] for c in _COMPOSITE_MAPPER_CASES],
                         ids=[c[0] for c in _COMPOSITE_MAPPER_CASES])
def test_numeric_mappers_with_composite_inputs(case):
  elementwise = case["elementwise"]
  input_metadata = tft_unit.metadata({"a": case["make_feature_spec"]()})

  def preprocessing_fn(inputs):
    return {
        "scale_to_0_1": tft.scale_to_0_1(inputs["a"], elementwise=elementwise),
        "scale_to_z_score": tft.scale_to_z_score(inputs["a"], elementwise=elementwise),
        "scale_by_min_max": tft.scale_by_min_max(inputs["a"], elementwise=elementwise),
    }

  tft_unit.assert_analyze_and_transform(
      copy.deepcopy(case["input_data"]), input_metadata, preprocessing_fn,
      case["expected_outputs"])


# testNumericAnalyzersWith{InputsAndAxis,NDInputsAndAxis,Shape1NDInputsAndAxis,NDInputs}

def _elementwise_analyzer_fn(inputs):
  return {
      "min": tft.min(inputs["a"], reduce_instance_dims=False),
      "max": tft.max(inputs["a"], reduce_instance_dims=False),
      "sum": tft.sum(inputs["a"], reduce_instance_dims=False),
      "size": tft.size(inputs["a"], reduce_instance_dims=False),
      "mean": tft.mean(inputs["a"], reduce_instance_dims=False),
      "var": tft.var(inputs["a"], reduce_instance_dims=False),
  }


def test_numeric_analyzers_with_inputs_and_axis():
  input_data = [{"a": [8, 9, 3, 4]}, {"a": [1, 2, 10, 11]}]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([4], tf.int64)})
  expected_outputs = {
      "min": np.array([1, 2, 3, 4], np.int64),
      "max": np.array([8, 9, 10, 11], np.int64),
      "sum": np.array([9, 11, 13, 15], np.int64),
      "size": np.array([2, 2, 2, 2], np.int64),
      "mean": np.array([4.5, 5.5, 6.5, 7.5], np.float32),
      "var": np.array([12.25, 12.25, 12.25, 12.25], np.float32),
  }
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, _elementwise_analyzer_fn,
                          expected_outputs)


def test_numeric_analyzers_with_nd_inputs_and_axis():
  input_data = [{"a": [[8, 9], [3, 4]]}, {"a": [[1, 2], [10, 11]]}]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([2, 2], tf.int64)})
  expected_outputs = {
      "min": np.array([[1, 2], [3, 4]], np.int64),
      "max": np.array([[8, 9], [10, 11]], np.int64),
      "sum": np.array([[9, 11], [13, 15]], np.int64),
      "size": np.array([[2, 2], [2, 2]], np.int64),
      "mean": np.array([[4.5, 5.5], [6.5, 7.5]], np.float32),
      "var": np.array([[12.25, 12.25], [12.25, 12.25]], np.float32),
  }
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, _elementwise_analyzer_fn,
                          expected_outputs)


def test_numeric_analyzers_with_shape1_nd_inputs_and_axis():
  input_data = [{"a": [[8, 9]]}, {"a": [[1, 2]]}]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([1, 2], tf.int64)})
  expected_outputs = {
      "min": np.array([[1, 2]], np.int64),
      "max": np.array([[8, 9]], np.int64),
      "sum": np.array([[9, 11]], np.int64),
      "size": np.array([[2, 2]], np.int64),
      "mean": np.array([[4.5, 5.5]], np.float32),
      "var": np.array([[12.25, 12.25]], np.float32),
  }
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, _elementwise_analyzer_fn,
                          expected_outputs)


def test_numeric_analyzers_with_nd_inputs():
  def analyzer_fn(inputs):
    return {
        "min": tft.min(inputs["a"]),
        "max": tft.max(inputs["a"]),
        "sum": tft.sum(inputs["a"]),
        "size": tft.size(inputs["a"]),
        "mean": tft.mean(inputs["a"]),
        "var": tft.var(inputs["a"]),
    }

  input_data = [{"a": [[4, 5], [6, 7]]}, {"a": [[1, 2], [3, 4]]}]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([2, 2], tf.int64)})
  expected_outputs = {
      "min": np.array(1, np.int64),
      "max": np.array(7, np.int64),
      "sum": np.array(32, np.int64),
      "size": np.array(8, np.int64),
      "mean": np.array(4.0, np.float32),
      "var": np.array(3.5, np.float32),
  }
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, analyzer_fn, expected_outputs)


# testNumericAnalyzersWithEmptyInputs

def _instance_value(value):
  """A 0-d array as the scalar it holds (the harness takes any ndarray for a list of values)."""
  return value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value


_EMPTY_INPUT_CASES = _cross(
    [("int64", dict(input_dtype=tf.int64)), ("float32", dict(input_dtype=tf.float32))],
    [("scalar", dict(input_shape=[])), ("ND", dict(input_shape=[2, 3]))],
    [("elementwise", dict(reduce_instance_dims=False)),
     ("not_elementwise", dict(reduce_instance_dims=True))])


@pytest.mark.parametrize("case", [c[1] for c in _EMPTY_INPUT_CASES],
                         ids=[c[0] for c in _EMPTY_INPUT_CASES])
def test_numeric_analyzers_with_empty_inputs(case):
  input_dtype, input_shape = case["input_dtype"], case["input_shape"]
  reduce_instance_dims = case["reduce_instance_dims"]

  def analyzer_fn(inputs):
    return {
        "min": tft.min(inputs["a"], reduce_instance_dims=reduce_instance_dims),
        "max": tft.max(inputs["a"], reduce_instance_dims=reduce_instance_dims),
        "sum": tft.sum(inputs["a"], reduce_instance_dims=reduce_instance_dims),
        "size": tft.size(inputs["a"], reduce_instance_dims=reduce_instance_dims),
        "mean": tft.mean(inputs["a"], reduce_instance_dims=reduce_instance_dims),
        "var": tft.var(inputs["a"], reduce_instance_dims=reduce_instance_dims),
    }

  input_data = []
  canonical_dtype = tft_unit.canonical_numeric_dtype(input_dtype)
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature(input_shape, canonical_dtype)})
  input_val_dtype = input_dtype.as_numpy_dtype
  output_shape = [] if reduce_instance_dims else input_shape
  output_dtype = canonical_dtype.as_numpy_dtype
  default_min = np.inf if input_dtype.is_floating else canonical_dtype.max
  default_max = -np.inf if input_dtype.is_floating else canonical_dtype.min
  expected_outputs = {
      "min": np.full(output_shape, default_min, output_dtype),
      "max": np.full(output_shape, default_max, output_dtype),
      "sum": np.full(output_shape, 0, output_dtype),
      "size": np.full(output_shape, 0, np.int64),
      "mean": np.full(output_shape, 0, np.float32),
      "var": np.full(output_shape, 0, np.float32),
  }
  tft_unit.assert_analyzer_outputs(
      input_data, input_metadata, analyzer_fn, expected_outputs,
      test_data=[{"a": _instance_value(np.zeros(input_shape, input_val_dtype))},
                 {"a": _instance_value(np.ones(input_shape, input_val_dtype))}])


def test_numeric_mean_with_sparse_tensor_reduce_false_overflow():
  def analyzer_fn(inputs):
    return {"mean": tft.mean(tf.cast(inputs["sparse"], tf.int32), False)}

  input_data = [
      {"idx": [0, 1], "val": [1, 1]},
      {"idx": [1, 3], "val": [2147483647, 3]},
  ]
  input_metadata = tft_unit.metadata(
      {"sparse": tf.io.SparseFeature("idx", "val", tf.int64, 4)})
  expected_outputs = {"mean": np.array([1.0, 1073741824.0, float("nan"), 3.0], np.float32)}
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, analyzer_fn, expected_outputs)


# TF-IDF

_TFIDF_METADATA = {"tf_idf": tf.io.VarLenFeature(tf.float32),
                   "index": tf.io.VarLenFeature(tf.int64)}


def test_string_to_tfidf():
  def preprocessing_fn(inputs):
    inputs_as_ints = tft.compute_and_apply_vocabulary(tf.compat.v1.strings.split(inputs["a"]))
    out_index, out_values = tft.tfidf(
        inputs_as_ints, tft.get_num_buckets_for_transformed_feature(inputs_as_ints))
    return {"tf_idf": out_values, "index": out_index}

  input_data = [
      {"a": "hello hello world"},
      {"a": "hello goodbye hello world"},
      {"a": "I like pie pie pie"},
  ]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.string)})
  # IDFs: hello = world = 1 + log(4/3) = 1.28768; goodbye = I = like = pie = 1 + log(4/2).
  log_4_over_2_plus_1 = 1.69314718056
  log_4_over_3_plus_1 = 1.28768207245
  expected_transformed_data = [
      {"tf_idf": [(2 / 3) * log_4_over_3_plus_1, (1 / 3) * log_4_over_3_plus_1],
       "index": [0, 2]},
      {"tf_idf": [(2 / 4) * log_4_over_3_plus_1, (1 / 4) * log_4_over_3_plus_1,
                  (1 / 4) * log_4_over_2_plus_1],
       "index": [0, 2, 4]},
      {"tf_idf": [(3 / 5) * log_4_over_2_plus_1, (1 / 5) * log_4_over_2_plus_1,
                  (1 / 5) * log_4_over_2_plus_1],
       "index": [1, 3, 5]},
  ]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, preprocessing_fn, expected_transformed_data,
      tft_unit.metadata(_TFIDF_METADATA))


def test_tfidf_no_data():
  def preprocessing_fn(inputs):
    inputs_as_ints = tft.compute_and_apply_vocabulary(tf.compat.v1.strings.split(inputs["a"]))
    out_index, out_values = tft.tfidf(inputs_as_ints, 6)
    return {"tf_idf": out_values, "index": out_index}

  input_data = [{"a": ""}]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.string)})
  expected_transformed_data = [{"tf_idf": [], "index": []}]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, preprocessing_fn, expected_transformed_data,
      tft_unit.metadata(_TFIDF_METADATA))


def test_string_to_tfidf_empty_doc():
  def preprocessing_fn(inputs):
    inputs_as_ints = tft.compute_and_apply_vocabulary(tf.compat.v1.strings.split(inputs["a"]))
    out_index, out_values = tft.tfidf(
        inputs_as_ints, tft.get_num_buckets_for_transformed_feature(inputs_as_ints))
    return {"tf_idf": out_values, "index": out_index}

  input_data = [
      {"a": "hello hello world"},
      {"a": ""},
      {"a": "hello goodbye hello world"},
      {"a": "I like pie pie pie"},
  ]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.string)})
  log_5_over_2_plus_1 = 1.91629073187
  log_5_over_3_plus_1 = 1.51082562376
  expected_transformed_data = [
      {"tf_idf": [(2 / 3) * log_5_over_3_plus_1, (1 / 3) * log_5_over_3_plus_1],
       "index": [0, 2]},
      {"tf_idf": [], "index": []},
      {"tf_idf": [(2 / 4) * log_5_over_3_plus_1, (1 / 4) * log_5_over_3_plus_1,
                  (1 / 4) * log_5_over_2_plus_1],
       "index": [0, 2, 4]},
      {"tf_idf": [(3 / 5) * log_5_over_2_plus_1, (1 / 5) * log_5_over_2_plus_1,
                  (1 / 5) * log_5_over_2_plus_1],
       "index": [1, 3, 5]},
  ]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, preprocessing_fn, expected_transformed_data,
      tft_unit.metadata(_TFIDF_METADATA))


def test_int_to_tfidf():
  def preprocessing_fn(inputs):
    out_index, out_values = tft.tfidf(inputs["a"], 13)
    return {"tf_idf": out_values, "index": out_index}

  input_data = [{"a": [2, 2, 0]}, {"a": [2, 6, 2, 0]}, {"a": [8, 10, 12, 12, 12]}]
  input_metadata = tft_unit.metadata({"a": tf.io.VarLenFeature(tf.int64)})
  log_4_over_2_plus_1 = 1.69314718056
  log_4_over_3_plus_1 = 1.28768207245
  expected_data = [
      {"tf_idf": [(1 / 3) * log_4_over_3_plus_1, (2 / 3) * log_4_over_3_plus_1],
       "index": [0, 2]},
      {"tf_idf": [(1 / 4) * log_4_over_3_plus_1, (2 / 4) * log_4_over_3_plus_1,
                  (1 / 4) * log_4_over_2_plus_1],
       "index": [0, 2, 6]},
      {"tf_idf": [(1 / 5) * log_4_over_2_plus_1, (1 / 5) * log_4_over_2_plus_1,
                  (3 / 5) * log_4_over_2_plus_1],
       "index": [8, 10, 12]},
  ]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, preprocessing_fn, expected_data,
      tft_unit.metadata(_TFIDF_METADATA))


def test_int_to_tfidf_without_smoothing():
  def preprocessing_fn(inputs):
    out_index, out_values = tft.tfidf(inputs["a"], 13, smooth=False)
    return {"tf_idf": out_values, "index": out_index}

  input_data = [{"a": [2, 2, 0]}, {"a": [2, 6, 2, 0]}, {"a": [8, 10, 12, 12, 12]}]
  input_metadata = tft_unit.metadata({"a": tf.io.VarLenFeature(tf.int64)})
  log_3_over_2_plus_1 = 1.4054651081
  log_3_plus_1 = 2.0986122886
  expected_data = [
      {"tf_idf": [(1 / 3) * log_3_over_2_plus_1, (2 / 3) * log_3_over_2_plus_1],
       "index": [0, 2]},
      {"tf_idf": [(1 / 4) * log_3_over_2_plus_1, (2 / 4) * log_3_over_2_plus_1,
                  (1 / 4) * log_3_plus_1],
       "index": [0, 2, 6]},
      {"tf_idf": [(1 / 5) * log_3_plus_1, (1 / 5) * log_3_plus_1, (3 / 5) * log_3_plus_1],
       "index": [8, 10, 12]},
  ]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, preprocessing_fn, expected_data,
      tft_unit.metadata(_TFIDF_METADATA))


def test_tfidf_with_oov():
  def preprocessing_fn(inputs):
    inputs_as_ints = tft.compute_and_apply_vocabulary(
        tf.compat.v1.strings.split(inputs["a"]), top_k=3)
    out_index, out_values = tft.tfidf(
        inputs_as_ints, tft.get_num_buckets_for_transformed_feature(inputs_as_ints) + 1)
    return {"tf_idf": out_values, "index": out_index}

  input_data = [
      {"a": "hello hello world"},
      {"a": "hello goodbye hello world"},
      {"a": "I like pie pie pie"},
  ]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.string)})
  log_4_over_2_plus_1 = 1.69314718056
  log_4_over_3_plus_1 = 1.28768207245
  expected_transformed_data = [
      {"tf_idf": [(2 / 3) * log_4_over_3_plus_1, (1 / 3) * log_4_over_3_plus_1],
       "index": [0, 2]},
      {"tf_idf": [(2 / 4) * log_4_over_3_plus_1, (1 / 4) * log_4_over_3_plus_1,
                  (1 / 4) * log_4_over_3_plus_1],
       "index": [0, 2, 3]},
      {"tf_idf": [(3 / 5) * log_4_over_2_plus_1, (2 / 5) * log_4_over_3_plus_1],
       "index": [1, 3]},
  ]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, preprocessing_fn, expected_transformed_data,
      tft_unit.metadata(_TFIDF_METADATA))


def test_tfidf_with_negatives():
  def preprocessing_fn(inputs):
    out_index, out_values = tft.tfidf(inputs["a"], 14)
    return {"tf_idf": out_values, "index": out_index}

  input_data = [{"a": [2, 2, -4]}, {"a": [2, 6, 2, -1]}, {"a": [8, 10, 12, 12, 12]}]
  input_metadata = tft_unit.metadata({"a": tf.io.VarLenFeature(tf.int64)})
  log_4_over_2_plus_1 = 1.69314718056
  log_4_over_3_plus_1 = 1.28768207245
  # -4 mod 14 = 10
  expected_transformed_data = [
      {"tf_idf": [(2 / 3) * log_4_over_3_plus_1, (1 / 3) * log_4_over_3_plus_1],
       "index": [2, 10]},
      {"tf_idf": [(2 / 4) * log_4_over_3_plus_1, (1 / 4) * log_4_over_2_plus_1,
                  (1 / 4) * log_4_over_2_plus_1],
       "index": [2, 6, 13]},
      {"tf_idf": [(1 / 5) * log_4_over_2_plus_1, (1 / 5) * log_4_over_3_plus_1,
                  (3 / 5) * log_4_over_2_plus_1],
       "index": [8, 10, 12]},
  ]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, preprocessing_fn, expected_transformed_data,
      tft_unit.metadata(_TFIDF_METADATA))


# DF-IDF (tft.experimental.document_frequency and idf)

_DFIDF_METADATA = {"df": tf.io.VarLenFeature(tf.int64), "idf": tf.io.VarLenFeature(tf.float32)}


def _dfidf_experimental_preprocessing_fn(is_str_input=False, smooth=True, add_baseline=True,
                                         vocab_size=None, top_k=None):
  """TFT's _get_dfidf_experimental_preprocessing_fn."""

  def preprocessing_fn(inputs):
    if is_str_input:
      inputs_as_ints = tft.compute_and_apply_vocabulary(
          tf.compat.v1.strings.split(inputs["a"]), top_k=top_k)
    else:
      inputs_as_ints = inputs["a"]
    if vocab_size is None:
      computed_vocab_size = tft.get_num_buckets_for_transformed_feature(inputs_as_ints)
    else:
      computed_vocab_size = vocab_size
    out_df_counts = tft.experimental.document_frequency(inputs_as_ints, computed_vocab_size)
    out_idf_weights = tft.experimental.idf(inputs_as_ints, computed_vocab_size, smooth=smooth,
                                           add_baseline=add_baseline)
    return {"df": out_df_counts, "idf": out_idf_weights}

  return preprocessing_fn


_DFIDF_SMOOTH_BASELINE = [(True, True), (True, False), (False, True), (False, False)]


@pytest.mark.parametrize("smooth,add_baseline", _DFIDF_SMOOTH_BASELINE, ids=[
    "StrInputSmoothBasaeline", "StrInputSmoothWOBasaeline", "StrInputNonSmoothBasaeline",
    "StrInputNonSmoothWOBasaeline"])
def test_string_to_dfidf_experimental(smooth, add_baseline):
  input_data = [
      {"a": "hello hello world pie"},
      {"a": "hello goodbye world pie"},
      {"a": "I like pie pie"},
  ]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.string)})
  # corpus_size = 3
  #          DF   smooth base IDF       non-smooth base IDF     with baseline
  # hello     2    log(4/3)               log(3/2)                 * + 1
  # world     2    log(4/3)               log(3/2)                 * + 1
  # goodbye   1    log(4/2)               log3                     * + 1
  # I         1    log(4/2)               log3                     * + 1
  # like      1    log(4/2)               log3                     * + 1
  # pie       3    log(4/4) = 0           log(3/3)=0               * + 1
  log_4_over_2 = 0.69314718056
  log_4_over_3 = 0.28768207245
  log_3_over_2 = 0.4054651081
  log_3 = 1.09861228867
  if smooth:
    base_idf1, base_idf2 = log_4_over_3, log_4_over_2
  else:
    base_idf1, base_idf2 = log_3_over_2, log_3
  baseline = 1.0 if add_baseline else 0.0
  expected_transformed_data = [
      {"df": [2, 2, 2, 3],
       "idf": [baseline + base_idf1, baseline + base_idf1, baseline + base_idf1, baseline]},
      {"df": [2, 1, 2, 3],
       "idf": [baseline + base_idf1, baseline + base_idf2, baseline + base_idf1, baseline]},
      {"df": [1, 1, 3, 3],
       "idf": [baseline + base_idf2, baseline + base_idf2, baseline, baseline]},
  ]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata,
      _dfidf_experimental_preprocessing_fn(is_str_input=True, smooth=smooth,
                                           add_baseline=add_baseline),
      expected_transformed_data, tft_unit.metadata(_DFIDF_METADATA))


def test_dfidf_experimental_no_data():
  input_data = [{"a": ""}]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.string)})
  # The input data is empty, so vocab_size is given.
  preprocessing_fn = _dfidf_experimental_preprocessing_fn(is_str_input=True, vocab_size=6)
  expected_transformed_data = [{"df": [], "idf": []}]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, preprocessing_fn, expected_transformed_data,
      tft_unit.metadata(_DFIDF_METADATA))


def test_string_to_dfidf_experimental_empty_doc():
  input_data = [
      {"a": "hello hello world"},
      {"a": ""},
      {"a": "hello goodbye world"},
      {"a": "I like pie"},
  ]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.string)})
  log_5_over_2_plus_1 = 1.91629073187
  log_5_over_3_plus_1 = 1.51082562376
  expected_transformed_data = [
      {"df": [2, 2, 2],
       "idf": [log_5_over_3_plus_1, log_5_over_3_plus_1, log_5_over_3_plus_1]},
      {"df": [], "idf": []},
      {"df": [2, 1, 2],
       "idf": [log_5_over_3_plus_1, log_5_over_2_plus_1, log_5_over_3_plus_1]},
      {"df": [1, 1, 1],
       "idf": [log_5_over_2_plus_1, log_5_over_2_plus_1, log_5_over_2_plus_1]},
  ]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, _dfidf_experimental_preprocessing_fn(is_str_input=True),
      expected_transformed_data, tft_unit.metadata(_DFIDF_METADATA))


def test_dfidf_experimental_with_oov():
  input_data = [
      {"a": "hello world hi"},
      {"a": "hello goodbye world"},
      {"a": "I like pie pie"},
  ]
  input_metadata = tft_unit.metadata({"a": tf.io.FixedLenFeature([], tf.string)})
  preprocessing_fn_w_oov = _dfidf_experimental_preprocessing_fn(
      is_str_input=True, vocab_size=4, top_k=3)
  # Smoothed base IDFs: hello = world = log(4/3), pie = log(4/2); OOV (hi, goodbye, I, like)
  # = log(4/4) = 0 (OOV in all 3 docs).
  log_4_over_2_plus_1 = 1.69314718056
  log_4_over_3_plus_1 = 1.28768207245
  expected_transformed_data = [
      {"df": [2, 2, 3], "idf": [log_4_over_3_plus_1, log_4_over_3_plus_1, 1.0]},
      {"df": [2, 3, 2], "idf": [log_4_over_3_plus_1, 1.0, log_4_over_3_plus_1]},
      {"df": [3, 3, 1, 1], "idf": [1.0, 1.0, log_4_over_2_plus_1, log_4_over_2_plus_1]},
  ]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, preprocessing_fn_w_oov, expected_transformed_data,
      tft_unit.metadata(_DFIDF_METADATA))


@pytest.mark.parametrize("smooth,add_baseline", _DFIDF_SMOOTH_BASELINE, ids=[
    "IntInputSmoothBasaeline", "IntInputSmoothWOBasaeline", "IntInputNoneSmoothBasaeline",
    "IntInputNoneSmoothWOBasaeline"])
def test_int_to_dfidf_expeirmental(smooth, add_baseline):
  input_data = [{"a": [2, 2, 0]}, {"a": [2, 6, 2, 0]}, {"a": [8, 10, 12, 12, 12]}]
  input_metadata = tft_unit.metadata({"a": tf.io.VarLenFeature(tf.int64)})
  log_4_over_2 = 0.69314718056
  log_4_over_3 = 0.28768207245
  log_3 = 1.09861228867
  log_3_over_2 = 0.4054651081
  if smooth:
    idf1, idf2 = log_4_over_2, log_4_over_3
  else:
    idf1, idf2 = log_3, log_3_over_2
  if add_baseline:
    idf1 += 1.0
    idf2 += 1.0
  expected_data = [
      {"df": [2, 2, 2], "idf": [idf2, idf2, idf2]},
      {"df": [2, 1, 2, 2], "idf": [idf2, idf1, idf2, idf2]},
      {"df": [1, 1, 1, 1, 1], "idf": [idf1, idf1, idf1, idf1, idf1]},
  ]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata,
      _dfidf_experimental_preprocessing_fn(vocab_size=13, smooth=smooth,
                                           add_baseline=add_baseline),
      expected_data, tft_unit.metadata(_DFIDF_METADATA))


def test_dfidf_experimental_with_negatives():
  input_data = [{"a": [2, 2, -4]}, {"a": [2, 6, 2, -1]}, {"a": [8, 10, 12, 12, 12]}]
  input_metadata = tft_unit.metadata({"a": tf.io.VarLenFeature(tf.int64)})
  log_4_over_2_plus_1 = 1.69314718056
  log_4_over_3_plus_1 = 1.28768207245
  # -4 mod 14 = 10, -1 mod 14 = 13
  expected_transformed_data = [
      {"df": [2, 2, 2],
       "idf": [log_4_over_3_plus_1, log_4_over_3_plus_1, log_4_over_3_plus_1]},
      {"df": [2, 1, 2, 1],
       "idf": [log_4_over_3_plus_1, log_4_over_2_plus_1, log_4_over_3_plus_1,
               log_4_over_2_plus_1]},
      {"df": [1, 2, 1, 1, 1],
       "idf": [log_4_over_2_plus_1, log_4_over_3_plus_1, log_4_over_2_plus_1,
               log_4_over_2_plus_1, log_4_over_2_plus_1]},
  ]
  tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, _dfidf_experimental_preprocessing_fn(vocab_size=14),
      expected_transformed_data, tft_unit.metadata(_DFIDF_METADATA))


# Covariance and PCA

def _covariance_fn(inputs):
  return {"y": tft.covariance(inputs["x"], dtype=tf.float32)}


def _pca_fn(inputs):
  return {"y": tft.pca(inputs["x"], 2, dtype=tf.float32)}


def test_covariance_two_dimensions():
  input_data = [{"x": x} for x in [[0, 0], [4, 0], [2, -2], [2, 2]]]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([2], tf.float32)})
  expected_outputs = {"y": np.array([[2, 0], [0, 2]], np.float32)}
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, _covariance_fn, expected_outputs)


def test_covariance_one_dimension():
  input_data = [{"x": x} for x in [[0], [2], [4], [6]]]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([1], tf.float32)})
  expected_outputs = {"y": np.array([[5]], np.float32)}
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, _covariance_fn, expected_outputs)


def test_covariance_one_dimension_with_empty_inputs():
  input_data = []
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([1], tf.float32)})
  test_data = [{"x": [1]}, {"x": [2]}]
  expected_outputs = {"y": np.array([[0]], dtype=np.float32)}
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, _covariance_fn, expected_outputs,
                          test_data=test_data)


def test_pca_three_to_two_dimensions():
  input_data = [{"x": x} for x in [[0, 0, 1], [4, 0, 1], [2, -1, 1], [2, 1, 1]]]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([3], tf.float32)})
  expected_outputs = {"y": np.array([[1, 0], [0, 1], [0, 0]], np.float32)}
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, _pca_fn, expected_outputs)


def test_pca_three_to_two_dimensions_with_empty_inputs():
  input_data = []
  test_data = [{"x": x} for x in [[0, 0, 1], [4, 0, 1], [2, -1, 1], [2, 1, 1]]]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([3], tf.float32)})
  expected_outputs = {"y": np.array([[1, 0], [0, 1], [0, 0]], np.float32)}
  tft_unit.assert_analyzer_outputs(input_data, input_metadata, _pca_fn, expected_outputs,
                          test_data=test_data)


# Pipeline behaviour

def test_handle_batch_error():
  def preprocessing_fn(inputs):
    return {"x_scaled": tft.scale_to_0_1(inputs["x"])}

  metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32)})
  # The exception type depends on the runner (TFT: RuntimeError, ValueError or TypeError).
  with pytest.raises((RuntimeError, ValueError, TypeError), match=".*list"):
    tft_unit.assert_analyze_and_transform([{"x": 1}, {"x": [4, 1]}], metadata,
                                          preprocessing_fn)


def test_3d_sparse_with_tfxio():
  # TFT feeds a RecordBatch through a TensorAdapterConfig whose sparse_tensor representation
  # (index columns x_idx0 and x_idx1, value column x_val, dense shape [5, 5]) is what this
  # SparseFeature stands for.
  x_data = [0.0, 1.0, 2.0]
  x_idx0 = [0, 0, 1]
  x_idx1 = [0, 0, 1]
  input_data = [{"x_idx0": [i0], "x_idx1": [i1], "x_val": [x]}
                for i0, i1, x in zip(x_idx0, x_idx1, x_data)]
  input_metadata = tft_unit.metadata(
      {"x": tf.io.SparseFeature(["x_idx0", "x_idx1"], "x_val", tf.float32, [5, 5])})
  expected_data = [
      {"x$sparse_values": x, "x$sparse_indices_0": idx0, "x$sparse_indices_1": idx1}
      for idx0, idx1, x in zip(x_idx0, x_idx1, x_data)
  ]
  output = tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, lambda inputs: inputs, expected_data)
  # The transformed schema: the index features with int_domain [0, 4], the value feature,
  # and the sparse feature "x" over them.
  features = {f.name: f for f in output.transformed_metadata_schema().feature}
  assert sorted(features) == ["x$sparse_indices_0", "x$sparse_indices_1", "x$sparse_values"]
  for name in ("x$sparse_indices_0", "x$sparse_indices_1"):
    assert features[name].HasField("int_domain"), name
    assert (features[name].int_domain.min, features[name].int_domain.max) == (0, 4), name
  transformed_feature_spec = output.transformed_feature_spec()
  assert len(transformed_feature_spec) == 1, transformed_feature_spec
  assert transformed_feature_spec["x"] == tf.io.SparseFeature(
      ["x$sparse_indices_0", "x$sparse_indices_1"], "x$sparse_values", tf.float32, [5, 5],
      already_sorted=True), transformed_feature_spec


def test_ragged_with_tfxio():
  # TFT feeds a RecordBatch of nested lists through ragged_tensor representations (x: int64
  # [[[1], [], [2, 3]], [[]]]; y: float32 [[[1, 2]], [[3, 4], [], [5, 6]]] with a uniform row
  # length of 2); these RaggedFeatures of value and row-length columns are the same tensors.
  input_data = [
      {"x_values": [1, 2, 3], "x_row_lengths": [1, 0, 2],
       "y_values": [1.0, 2.0], "y_row_lengths": [1]},
      {"x_values": [], "x_row_lengths": [0],
       "y_values": [3.0, 4.0, 5.0, 6.0], "y_row_lengths": [1, 0, 1]},
  ]
  input_metadata = tft_unit.metadata({
      "x": tf.io.RaggedFeature(
          tf.int64, value_key="x_values",
          partitions=[tf.io.RaggedFeature.RowLengths("x_row_lengths")],
          row_splits_dtype=tf.int64),
      "y": tf.io.RaggedFeature(
          tf.float32, value_key="y_values",
          partitions=[tf.io.RaggedFeature.RowLengths("y_row_lengths"),
                      tf.io.RaggedFeature.UniformRowLength(2)],
          row_splits_dtype=tf.int64),
  })

  def preprocessing_fn(inputs):
    return {"x_ones": tf.ones_like(inputs["x"]), "y_ones": tf.ones_like(inputs["y"])}

  expected_data = [
      {"x_ones$ragged_values": [1, 1, 1], "x_ones$row_lengths_1": [1, 0, 2],
       "y_ones$ragged_values": [1, 1], "y_ones$row_lengths_1": [1]},
      {"x_ones$ragged_values": [], "x_ones$row_lengths_1": [0],
       "y_ones$ragged_values": [1, 1, 1, 1], "y_ones$row_lengths_1": [1, 0, 1]},
  ]
  expected_feature_spec = {
      "x_ones": tf.io.RaggedFeature(
          tf.int64, value_key="x_ones$ragged_values",
          partitions=[tf.io.RaggedFeature.RowLengths("x_ones$row_lengths_1")]),
      "y_ones": tf.io.RaggedFeature(
          tf.float32, value_key="y_ones$ragged_values",
          partitions=[tf.io.RaggedFeature.RowLengths("y_ones$row_lengths_1"),
                      tf.io.RaggedFeature.UniformRowLength(2)]),
  }
  output = tft_unit.assert_analyze_and_transform(
      input_data, input_metadata, preprocessing_fn, expected_data=expected_data,
      expected_metadata=tft_unit.metadata(expected_feature_spec))
  # TFT compares the whole schema (value and partition features, not the row splits dtype);
  # the harness compares RaggedFeatures by type and dtype only.
  def schema_view(spec):
    return {name: (f.dtype, f.value_key, tuple(f.partitions)) for name, f in spec.items()}

  assert schema_view(output.transformed_feature_spec()) == schema_view(expected_feature_spec), (
      output.transformed_feature_spec())


def test_pipeline_without_automaterialization():
  def preprocessing_fn(inputs):
    return {"x_scaled": tft.scale_to_0_1(inputs["x"])}

  metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32)})
  # Analyze the training data, transform the eval data.
  tft_unit.assert_analyze_and_transform(
      [{"x": 4}, {"x": 1}, {"x": 5}, {"x": 2}], metadata, preprocessing_fn,
      [{"x_scaled": 1.25}, {"x_scaled": 0.5}], test_data=[{"x": 6}, {"x": 3}])


def test_modify_inputs():
  def preprocessing_fn(inputs):
    inputs["x_center"] = inputs["x"] - tft.mean(inputs["x"])
    return inputs

  input_data = [{"x": 1}, {"x": 2}, {"x": 3}, {"x": 4}, {"x": 5}]
  input_metadata = tft_unit.metadata({"x": tf.io.FixedLenFeature([], tf.float32)})
  expected_outputs = [
      {"x": 1, "x_center": -2},
      {"x": 2, "x_center": -1},
      {"x": 3, "x_center": 0},
      {"x": 4, "x_center": 1},
      {"x": 5, "x_center": 2},
  ]
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                        expected_outputs)


def test_empty_schema():
  with pytest.raises(ValueError, match="The input metadata is empty."):
    tft_unit.assert_analyze_and_transform(
        input_data=[{"x": x} for x in range(5)], input_metadata=tft_unit.metadata({}),
        preprocessing_fn=lambda inputs: inputs)


def _keras_2():
  """TFT's keras_lib.tf_keras: Keras 2 (the tf_keras package where tf.keras is Keras 3)."""
  try:
    import tf_keras  # pylint: disable=import-outside-toplevel
    return tf_keras, True
  except ImportError:
    return tf.keras, False


def test_load_keras_model_in_preprocessing_fn(tmp_path):
  tf_keras, is_keras_2 = _keras_2()

  def _create_model(features, target):
    inputs = [tf_keras.Input(shape=(1,), name=f, dtype=tf.float32) for f in features]
    x = tf_keras.layers.Concatenate()(inputs)
    x = tf_keras.layers.Dense(64, activation="relu")(x)
    outputs = tf_keras.layers.Dense(1, activation="sigmoid", name=target)(x)
    model = tf_keras.Model(inputs=inputs, outputs=outputs)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    n = 50
    labels = tf.constant([np.random.randint(2) for _ in range(n)])
    # Keras 3 (no tf_keras here) takes a single output's labels as they are, not by name.
    model.fit({f: tf.constant([np.random.uniform() for _ in range(n)]) for f in features},
              {target: labels} if is_keras_2 else labels)
    return model

  features = ["f1", "f2"]
  target = "t"
  keras_model = _create_model(features, target)
  # Keras 3 saves a model to a .keras file, not a SavedModel directory.
  keras_model_dir = os.path.join(str(tmp_path), "keras_model" + ("" if is_keras_2 else ".keras"))
  keras_model.save(keras_model_dir)

  def preprocessing_fn(inputs):
    model = tft.make_and_track_object(lambda: tf_keras.models.load_model(keras_model_dir),
                                      name="keras")
    return {"prediction": model(inputs)}

  input_data = [{"f1": 1.0, "f2": 0.0}, {"f1": 2.0, "f2": 3.0}]
  input_metadata = tft_unit.metadata({"f1": tf.io.FixedLenFeature([], tf.float32),
                                      "f2": tf.io.FixedLenFeature([], tf.float32)})
  tft_unit.assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn)


def _rotating_features():
  """The features f1, f2, f3, rotated by one more at each call."""
  idx = 0

  def get_features():
    nonlocal idx
    features = ["f1", "f2", "f3"]
    result = features[idx:] + features[:idx]
    idx = 0 if idx == 2 else idx + 1
    return result

  return get_features


_NON_DETERMINISTIC_INPUT = [{"f1": 0, "f2": 10, "f3": 20}, {"f1": 2, "f2": 12, "f3": 22}]
_NON_DETERMINISTIC_METADATA = {"f1": tf.io.FixedLenFeature([], tf.float32),
                               "f2": tf.io.FixedLenFeature([], tf.float32),
                               "f3": tf.io.FixedLenFeature([], tf.float32)}
_NON_DETERMINISTIC_OUTPUT = [{"f1": -1, "f2": -1, "f3": -1}, {"f1": 1, "f2": 1, "f3": 1}]


def test_non_deterministic_preprocessing_fn_without_name():
  get_features = _rotating_features()

  def preprocessing_fn(inputs):
    outputs = {}
    for f in get_features():
      outputs[f] = inputs[f] - tft.mean(inputs[f])
    return outputs

  with pytest.raises(RuntimeError, match="analyzers.*appears to be non-deterministic"):
    tft_unit.assert_analyze_and_transform(
        _NON_DETERMINISTIC_INPUT, tft_unit.metadata(_NON_DETERMINISTIC_METADATA),
        preprocessing_fn, _NON_DETERMINISTIC_OUTPUT)


def test_non_deterministic_preprocessing_fn_with_name():
  get_features = _rotating_features()

  def preprocessing_fn(inputs):
    outputs = {}
    for f in get_features():
      outputs[f] = inputs[f] - tft.mean(inputs[f], name=f)
    return outputs

  tft_unit.assert_analyze_and_transform(
      _NON_DETERMINISTIC_INPUT, tft_unit.metadata(_NON_DETERMINISTIC_METADATA),
      preprocessing_fn, _NON_DETERMINISTIC_OUTPUT)


def test_preprocessing_fn_returns_wrong_type():
  with pytest.raises(
      ValueError,
      match=r"A `preprocessing_fn` must return a "
      r"Dict\[str, Union\[tf.Tensor, tf.SparseTensor, tf.RaggedTensor\]\]. "
      "Got: Tensor.*"):
    tft_unit.assert_analyze_and_transform(
        input_data=[{"f1": 0}],
        input_metadata=tft_unit.metadata({"f1": tf.io.FixedLenFeature([], tf.float32)}),
        preprocessing_fn=lambda inputs: inputs["f1"], expected_data=None)
