"""The batch-path mappers (tfx_core.mappers) against numpy references and on bad input."""

import numpy as np
import pyarrow as pa
import pytest

from tfx_core import mappers

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_z_score_matches_numpy(dtype):
  x = (RNG.normal(5, 3, 1000) * 10).astype(dtype)
  out = mappers.scale_to_z_score(x, 5.0, 3.0)
  expected_dtype = np.float64 if dtype == np.float64 else np.float32
  assert out.dtype == expected_dtype
  expected = (x.astype(expected_dtype) - expected_dtype(5.0)) / expected_dtype(3.0)
  np.testing.assert_array_equal(out, expected)


def test_z_score_keeps_shape_and_nan():
  x = np.array([[1.0, np.nan], [3.0, np.inf]])
  out = mappers.scale_to_z_score(x, 1.0, 2.0)
  assert out.shape == (2, 2)
  np.testing.assert_array_equal(out, [[0.0, np.nan], [1.0, np.inf]])


def test_scale_to_0_1_matches_numpy():
  x = RNG.uniform(-3, 8, 500)
  np.testing.assert_array_equal(mappers.scale_to_0_1(x, -3.0, 8.0), (x + 3.0) / 11.0)


def test_bucketize_matches_searchsorted():
  x = RNG.normal(0, 1, 10000)
  boundaries = np.sort(RNG.normal(0, 1, 100))
  np.testing.assert_array_equal(
      mappers.bucketize(x, boundaries), np.searchsorted(boundaries, x, side="right"))


def test_bucketize_ties_go_to_the_upper_bucket_and_nan_to_the_last():
  out = mappers.bucketize(np.array([0.0, 1.0, 1.5, 2.0, np.nan]), [1.0, 2.0])
  np.testing.assert_array_equal(out, [0, 1, 1, 2, 2])  # NaN: the last bucket, as in TFT.
  np.testing.assert_array_equal(mappers.bucketize(np.array([1.0, 0.5]), [1.0, 1.0, 2.0]), [2, 0])


def test_empty_inputs():
  assert mappers.scale_to_z_score(np.array([], np.float32), 0, 1).shape == (0,)
  assert mappers.bucketize(pa.array([], pa.float64()), [1.0]).shape == (0,)
  vocab = mappers.Vocabulary.from_tokens(["a"])
  assert mappers.apply_vocabulary(pa.array([], pa.string()), vocab).shape == (0,)


def test_arrow_nulls_and_slices():
  arr = pa.array([9.0, 1.0, None, 3.0, 100.0]).slice(1, 3)
  np.testing.assert_array_equal(mappers.scale_to_z_score(arr, 1.0, 2.0), [0.0, np.nan, 1.0])
  np.testing.assert_array_equal(mappers.bucketize(arr, [2.0]), [0, -1, 1])  # A null: -1.


def test_arrow_int64_and_float32():
  np.testing.assert_array_equal(
      mappers.scale_to_0_1(pa.array([0, 5, 10], pa.int64()), 0, 10),
      np.array([0, 0.5, 1], np.float32))
  assert mappers.scale_to_0_1(pa.array([1.0], pa.float32()), 0, 2).dtype == np.float32


@pytest.mark.parametrize("list_type", [pa.list_, pa.large_list])
def test_list_arrays_keep_their_structure(list_type):
  arr = pa.array([[0.0], [1.0, 2.0], None, [], [3.0, 4.0]], list_type(pa.float64())).slice(1)
  out = mappers.scale_to_z_score(arr, 1.0, 1.0)
  assert out.to_pylist() == [[0.0, 1.0], None, [], [2.0, 3.0]]


def test_vocabulary_lookup_with_oov_and_nulls(tmp_path):
  path = tmp_path / "vocab.txt"
  path.write_text("Credit Card\nCash\nNo Charge\n")
  vocab = mappers.Vocabulary.from_file(str(path))
  assert len(vocab) == 3
  values = pa.array(["Cash", "Bitcoin", None, "Credit Card", "Cash"])
  np.testing.assert_array_equal(mappers.apply_vocabulary(values, vocab), [1, -1, -1, 0, 1])
  with_oov = mappers.apply_vocabulary(values, vocab, num_oov_buckets=4, default_value=-9)
  assert with_oov[0] == 1 and with_oov[3] == 0 and with_oov[2] == -9
  assert 3 <= with_oov[1] < 7
  # Stable across calls, types and offsets: large_string and a slice give the same ids.
  large = pa.array(["x", "Bitcoin"], pa.large_string()).slice(1)
  assert mappers.apply_vocabulary(large, vocab, num_oov_buckets=4)[0] == with_oov[1]


def test_vocabulary_on_lists_and_python_strings():
  vocab = mappers.Vocabulary.from_tokens(["a", "b"])
  out = mappers.apply_vocabulary(pa.array([["a", "z"], ["b"]]), vocab)
  assert out.to_pylist() == [[0, -1], [1]]
  np.testing.assert_array_equal(mappers.apply_vocabulary(["b", "a"], vocab), [1, 0])


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("stddev", [0.0, -1.0, np.nan, np.inf])
def test_degenerate_stddev_is_a_value_error(stddev):
  with pytest.raises(ValueError, match="stddev must be finite and > 0"):
    mappers.scale_to_z_score(np.ones(3), 0.0, stddev)


def test_empty_range_is_a_value_error():
  with pytest.raises(ValueError, match="max must be greater than min"):
    mappers.scale_to_0_1(np.ones(3), 1.0, 1.0)


def test_unsorted_boundaries_are_a_value_error():
  with pytest.raises(ValueError, match="sorted.*boundary 2"):
    mappers.bucketize(np.ones(3), [0.0, 2.0, 1.0])


@pytest.mark.parametrize("values", [
    np.array([1, 2], np.int32),
    np.array(["a", "b"]),
    pa.array(["a", "b"]),
    pa.array([True, False]),
])
def test_wrong_dtypes_are_value_errors(values):
  with pytest.raises(ValueError, match="scale_to_z_score.*(expects int64, float|unsupported Arrow type)"):
    mappers.scale_to_z_score(values, 0.0, 1.0)


def test_non_contiguous_numpy_is_a_value_error():
  with pytest.raises(ValueError, match="not C-contiguous"):
    mappers.bucketize(np.arange(10.0)[::2], [1.0])


def test_vocabulary_errors():
  with pytest.raises(ValueError, match="appears twice"):
    mappers.Vocabulary.from_tokens(["a", "a"])
  with pytest.raises(FileNotFoundError, match="no/such/vocab.txt"):
    mappers.Vocabulary.from_file("no/such/vocab.txt")
  vocab = mappers.Vocabulary.from_tokens(["a"])
  with pytest.raises(ValueError, match="expects string or binary values"):
    mappers.apply_vocabulary(pa.array([1, 2]), vocab)
  with pytest.raises(ValueError, match="num_oov_buckets must be >= 0"):
    mappers.apply_vocabulary(["a"], vocab, num_oov_buckets=-1)


def test_dictionary_arrays_are_rejected_with_a_hint():
  arr = pa.array(["a", "b", "a"]).dictionary_encode()
  with pytest.raises(ValueError, match="dictionary-encoded"):
    mappers.apply_vocabulary(arr, mappers.Vocabulary.from_tokens(["a"]))
