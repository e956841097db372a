"""What TFT's own tests call (tft_unit.TransformTestCase.assertAnalyzeAndTransformResults and
its helpers), on tfx_core.transform, so that their cases transcribe as they are written: the
same instance dicts in, the same preprocessing_fn, the same expected instance dicts, metadata
and vocabulary files out. Our code; TFT's cases live in the test_*.py files beside it."""

import os
import tempfile

import numpy as np
import pyarrow as pa
import tensorflow as tf

import tfx_core.transform as tft
from tfx_core.transform import _inputs
from tfx_core.transform._graph import _numpy

_ARROW = {tf.int64: pa.int64(), tf.float32: pa.float32(), tf.float64: pa.float64(),
          tf.string: pa.binary()}


def canonical_numeric_dtype(dtype):
  """The dtype a tf.Example feature of `dtype` is parsed as (TFT's helper of the same name)."""
  if dtype.is_floating:
    return tf.float32
  if dtype.is_integer:
    return tf.int64
  return dtype


def metadata(feature_spec, domains=None):
  """TFT's tft.DatasetMetadata.from_feature_spec(feature_spec, domains)."""
  return tft.DatasetMetadata.from_feature_spec(feature_spec, domains)


def _feature_spec(input_metadata):
  return input_metadata if isinstance(input_metadata, dict) else input_metadata.feature_spec


def _as_bytes(value):
  return value.encode("utf-8") if isinstance(value, str) else value


def _column(rows, name, feature):
  """An Arrow column of one feature of TFT instance dicts (a missing key is a missing value)."""
  values = [row.get(name) for row in rows]
  values = [v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v for v in values]
  value_type = _ARROW[feature.dtype]
  if feature.dtype == tf.string:
    values = [None if v is None else
              [_as_bytes(x) for x in np.asarray(v, dtype=object).ravel()]
              if isinstance(v, (list, tuple, np.ndarray)) else _as_bytes(v) for v in values]
  else:
    values = [None if v is None else np.asarray(v).ravel().tolist()
              if isinstance(v, (list, tuple, np.ndarray)) else v for v in values]
  scalar = isinstance(feature, tf.io.FixedLenFeature) and not feature.shape
  return pa.array(values, value_type if scalar else pa.list_(value_type))


def to_table(rows, feature_spec):
  """The Arrow table of TFT instance dicts: one column per column of the spec (a composite
  feature's index, value and row-length columns are lists per row)."""
  columns = _inputs.columns_of(feature_spec)
  return pa.table({name: _column(rows, name, f) for name, f in sorted(columns.items())})


def _rows(table):
  """TFT's instance dicts of a transformed Table."""
  columns = {name: table.column(name).to_pylist() for name in table.column_names}
  return [{name: columns[name][i] for name in columns} for i in range(table.num_rows)]


def _normalize(value):
  if isinstance(value, np.ndarray):
    value = value.tolist()
  if isinstance(value, (list, tuple)):
    return [_normalize(v) for v in value]
  if isinstance(value, (np.generic,)):
    value = value.item()
  return _as_bytes(value)


def _flat(value):
  value = _normalize(value)
  if isinstance(value, list):
    out = []
    for v in value:
      out.extend(_flat(v) if isinstance(v, list) else [v])
    return out
  return [value]


def assert_data_close_or_equal(expected_rows, actual_rows, rtol=1e-6, atol=1e-6):
  """TFT's assertDataCloseOrEqual: the same rows, floats to a tolerance, NaN equal to NaN."""
  assert len(actual_rows) == len(expected_rows), (len(actual_rows), len(expected_rows))
  for i, (expected, actual) in enumerate(zip(expected_rows, actual_rows)):
    assert sorted(actual) == sorted(expected), (i, sorted(actual), sorted(expected))
    for key in expected:
      e, a = _flat(expected[key]), _flat(actual[key])
      assert len(e) == len(a), (i, key, e, a)
      for x, y in zip(e, a):
        if isinstance(x, float) or isinstance(y, float):
          assert x is not None and y is not None, (i, key, e, a)
          if not (np.isnan(x) and np.isnan(y)):
            np.testing.assert_allclose(y, x, rtol=rtol, atol=atol, err_msg="row %d, %s" % (i, key))
        else:
          assert x == y, (i, key, e, a)


def assert_analyze_and_transform(input_data, input_metadata, preprocessing_fn,
                                 expected_data=None, expected_metadata=None,
                                 expected_vocab_file_contents=None, test_data=None,
                                 desired_batch_size=None):
  """assertAnalyzeAndTransformResults: analyzes input_data, transforms test_data (or
  input_data) by the batch path and by the saved graph, and checks both against expected_data,
  the transformed metadata against expected_metadata (feature specs and integer domains), and
  the named vocabulary files against their expected lines (tokens, or (frequency, token))."""
  spec = _feature_spec(input_metadata)
  with tempfile.TemporaryDirectory() as tmp:
    output = tft.analyze_dataset(to_table(input_data, spec), preprocessing_fn, spec,
                                 os.path.join(tmp, "tg"),
                                 batch_size=desired_batch_size or tft.DEFAULT_BATCH_SIZE)
    test_table = to_table(test_data if test_data is not None else input_data, spec)
    if expected_data is not None:
      # Both ways a transform runs: the batch path and the saved graph (serving).
      assert_data_close_or_equal(expected_data, _rows(output.transform_arrow(test_table)))
      graph = output.transform_raw_features(_inputs.to_tensors(test_table, spec))
      assert_data_close_or_equal(expected_data, _rows(_inputs.to_arrow(
          {k: _numpy(v) for k, v in graph.items()}, test_table.num_rows)))
    if expected_metadata is not None:
      _assert_metadata(expected_metadata, output)
    for name, lines in (expected_vocab_file_contents or {}).items():
      with open(output.vocabulary_file_by_name(name), "rb") as f:
        actual = f.read().splitlines()
      expected = [_vocab_line(line) for line in lines]
      assert actual == expected, (name, actual, expected)
    return output


def _vocab_line(line):
  if isinstance(line, tuple):
    frequency, token = line
    return b"%s %s" % (_as_bytes(str(frequency)), _as_bytes(token))
  return _as_bytes(line).rstrip(b"\n")


def _assert_metadata(expected_metadata, output):
  spec = output.transformed_feature_spec()
  expected_spec = _feature_spec(expected_metadata)
  assert sorted(spec) == sorted(expected_spec), (sorted(spec), sorted(expected_spec))
  for name, feature in expected_spec.items():
    assert type(spec[name]) is type(feature) and spec[name].dtype == feature.dtype, (
        name, spec[name], feature)
    if isinstance(feature, tf.io.FixedLenFeature):
      assert list(spec[name].shape) == list(feature.shape), (name, spec[name], feature)
  domains = {f.name: f for f in output.transformed_metadata_schema().feature}
  for expected in expected_metadata.schema.feature:
    if expected.HasField("int_domain"):
      actual = domains[expected.name]
      assert actual.HasField("int_domain"), (expected.name, "no int_domain")
      assert (actual.int_domain.min, actual.int_domain.max) == (
          expected.int_domain.min, expected.int_domain.max), (expected.name, actual.int_domain,
                                                             expected.int_domain)


def assert_analyzer_outputs(input_data, input_metadata, analyzer_fn, expected_outputs,
                            test_data=None, desired_batch_size=None):
  """TFT's assertAnalyzerOutputs: analyzer_fn's outputs, of the expected shapes, tiled over the
  batch and checked against expected_outputs on test_data (by default, three copies of the first
  input instance), with FixedLenFeature metadata of their shapes and dtypes."""

  def preprocessing_fn(inputs):
    analyzer_outputs = analyzer_fn(inputs)
    assert sorted(analyzer_outputs) == sorted(expected_outputs), (
        sorted(analyzer_outputs), sorted(expected_outputs))
    an_input = next(iter(inputs.values()))
    if isinstance(an_input, tf.RaggedTensor):
      batch_size = an_input.bounding_shape(axis=0)
    else:
      batch_size = tf.shape(input=an_input)[0]
    result = {}
    for key, output_tensor in analyzer_outputs.items():
      expected_shape = list(np.shape(expected_outputs[key]))
      try:
        output_tensor.set_shape(expected_shape)
      except ValueError as e:
        raise ValueError("Error for key %s, shapes are incompatible. Got %s, expected %s." % (
            key, output_tensor.shape, expected_shape)) from e
      result[key] = tf.tile(tf.expand_dims(output_tensor, 0),
                            multiples=[batch_size] + [1] * len(expected_shape))
    return result

  if input_data and not test_data:
    test_data = [input_data[0]] * 3
  assert test_data
  expected_data = [expected_outputs] * len(test_data)
  # TFT compares schemas, where float32 and float64 are both FLOAT, int64 and int32 both INT.
  expected_metadata = metadata({
      key: tf.io.FixedLenFeature(np.shape(value), canonical_numeric_dtype(
          tf.as_dtype(np.asarray(value).dtype))) for key, value in expected_outputs.items()})
  return assert_analyze_and_transform(
      input_data, input_metadata, preprocessing_fn, expected_data, expected_metadata,
      test_data=test_data, desired_batch_size=desired_batch_size)
