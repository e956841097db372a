"""TFT's mappers_test.py and analyzers_test.py cases (tensorflow_transform 1.21), on
tfx_core.transform. Their data and expected values; our style. TFT runs most of these in a
tf.compat.v1 Graph and a Session; here they run eagerly (TF2), except where the graph itself is
what TFT checks (a static shape, an assertion's node name), where a tf.function stands in."""

import numpy as np
import pytest
import tensorflow as tf

import tfx_core.transform as tft


def _np(value):
  return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def _assert_all_equal(expected, actual):
  """tf.test.TestCase.assertAllEqual: the same shape and values (NaN equal to NaN)."""
  expected, actual = np.asarray(_np(expected)), np.asarray(_np(actual))
  assert expected.shape == actual.shape, (expected.shape, actual.shape, actual)
  same = expected == actual
  if expected.dtype.kind == "f" and actual.dtype.kind == "f":
    same = np.logical_or(same, np.logical_and(np.isnan(expected), np.isnan(actual)))
  assert np.all(same), (expected, actual)


def _assert_all_close(actual, expected, rtol=1e-6, atol=1e-6):
  """tf.test.TestCase.assertAllClose(actual, expected, rtol, atol)."""
  actual, expected = np.asarray(_np(actual)), np.asarray(_np(expected))
  assert actual.shape == expected.shape, (actual.shape, expected.shape, actual)
  np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)


def _assert_sparse_output(expected_indices, expected_values, expected_shape, actual,
                          close_values):
  """TFT's MappersTest.assertSparseOutput."""
  assert isinstance(actual, tf.SparseTensor), type(actual)
  _assert_all_equal(expected_indices, actual.indices)
  _assert_all_equal(expected_shape, actual.dense_shape)
  if close_values:
    _assert_all_close(expected_values, actual.values)
  else:
    _assert_all_equal(expected_values, actual.values)


def _assert_ragged_equal(expected, actual):
  """assertAllEqual on RaggedTensors: the same nested lists and the same ragged rank."""
  assert isinstance(actual, tf.RaggedTensor), type(actual)
  assert expected.to_list() == actual.to_list(), (expected.to_list(), actual.to_list())
  assert expected.ragged_rank == actual.ragged_rank, (expected.ragged_rank, actual.ragged_rank)


# --- segment_indices ---------------------------------------------------------------------------


def test_segment_indices():
  _assert_all_equal(
      [0, 1, 0, 0, 1, 2],
      tft.segment_indices(tf.constant([0, 0, 1, 2, 2, 2], tf.int64), name="test_name"))
  _assert_all_equal([], tft.segment_indices(tf.constant([], tf.int64)))


def test_segment_indices_skip_one():
  input_tensor = tf.constant([0, 0, 2, 2])
  _assert_all_equal([0, 1, 0, 1], tft.segment_indices(input_tensor))


# --- ngrams ------------------------------------------------------------------------------------


def test_ngrams_empty():
  output = tft.ngrams(tf.compat.v1.strings.split(tf.constant([""])), (1, 5), "")
  assert (0, 2) == _np(output.indices).shape
  _assert_all_equal([1, 0], output.dense_shape)
  assert 0 == len(_np(output.values))


def test_ngrams():
  string_tensor = tf.constant(["abc", "def", "fghijklm", "z", ""])
  tokenized_tensor = tf.compat.v1.string_split(string_tensor, delimiter="")
  output_tensor = tft.ngrams(tokens=tokenized_tensor, ngram_range=(1, 5), separator="")
  _assert_sparse_output(
      expected_indices=[
          [0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [0, 5],
          [1, 0], [1, 1], [1, 2], [1, 3], [1, 4], [1, 5],
          [2, 0], [2, 1], [2, 2], [2, 3], [2, 4], [2, 5], [2, 6], [2, 7], [2, 8], [2, 9],
          [2, 10], [2, 11], [2, 12], [2, 13], [2, 14], [2, 15], [2, 16], [2, 17], [2, 18],
          [2, 19], [2, 20], [2, 21], [2, 22], [2, 23], [2, 24], [2, 25], [2, 26], [2, 27],
          [2, 28], [2, 29],
          [3, 0],
      ],
      expected_values=[
          b"a", b"ab", b"abc", b"b", b"bc", b"c",
          b"d", b"de", b"def", b"e", b"ef", b"f",
          b"f", b"fg", b"fgh", b"fghi", b"fghij", b"g", b"gh", b"ghi", b"ghij", b"ghijk",
          b"h", b"hi", b"hij", b"hijk", b"hijkl", b"i", b"ij", b"ijk", b"ijkl", b"ijklm",
          b"j", b"jk", b"jkl", b"jklm", b"k", b"kl", b"klm", b"l", b"lm", b"m",
          b"z",
      ],
      expected_shape=[5, 30],
      actual=output_tensor,
      close_values=False)


def test_ngrams_min_size_not_one():
  string_tensor = tf.constant(["abc", "def", "fghijklm", "z", ""])
  tokenized_tensor = tf.compat.v1.string_split(string_tensor, delimiter="")
  output_tensor = tft.ngrams(tokens=tokenized_tensor, ngram_range=(2, 5), separator="")
  _assert_sparse_output(
      expected_indices=[
          [0, 0], [0, 1], [0, 2],
          [1, 0], [1, 1], [1, 2],
          [2, 0], [2, 1], [2, 2], [2, 3], [2, 4], [2, 5], [2, 6], [2, 7], [2, 8], [2, 9],
          [2, 10], [2, 11], [2, 12], [2, 13], [2, 14], [2, 15], [2, 16], [2, 17], [2, 18],
          [2, 19], [2, 20], [2, 21],
      ],
      expected_values=[
          b"ab", b"abc", b"bc",
          b"de", b"def", b"ef",
          b"fg", b"fgh", b"fghi", b"fghij", b"gh", b"ghi", b"ghij", b"ghijk", b"hi", b"hij",
          b"hijk", b"hijkl", b"ij", b"ijk", b"ijkl", b"ijklm", b"jk", b"jkl", b"jklm", b"kl",
          b"klm", b"lm",
      ],
      expected_shape=[5, 22],
      actual=output_tensor,
      close_values=False)


def test_ngrams_with_space_separator():
  string_tensor = tf.constant(["One was Johnny", "Two was a rat"])
  tokenized_tensor = tf.compat.v1.strings.split(string_tensor, sep=" ")
  output = tft.ngrams(tokens=tokenized_tensor, ngram_range=(1, 2), separator=" ")
  _assert_all_equal(
      [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4],
       [1, 0], [1, 1], [1, 2], [1, 3], [1, 4], [1, 5], [1, 6]],
      output.indices)
  _assert_all_equal(
      [b"One", b"One was", b"was", b"was Johnny", b"Johnny",
       b"Two", b"Two was", b"was", b"was a", b"a", b"a rat", b"rat"],
      output.values)
  _assert_all_equal([2, 7], output.dense_shape)


def test_ngrams_with_repeated_tokens_per_row():
  string_tensor = tf.constant(["Cats or dogs or bunnies", "Cats not rats"])
  tokenized_tensor = tf.compat.v1.strings.split(string_tensor, sep=" ")
  output = tft.ngrams(tokens=tokenized_tensor, ngram_range=(1, 1), separator=" ")
  _assert_all_equal(
      [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [1, 0], [1, 1], [1, 2]], output.indices)
  # The ngram "or" is there twice for the first document.
  _assert_all_equal(
      [b"Cats", b"or", b"dogs", b"or", b"bunnies", b"Cats", b"not", b"rats"], output.values)
  _assert_all_equal([2, 5], output.dense_shape)


def test_ngrams_bad_sizes():
  string_tensor = tf.constant(["abc", "def", "fghijklm", "z", ""])
  tokenized_tensor = tf.compat.v1.string_split(string_tensor, delimiter="")
  with pytest.raises(ValueError, match="Invalid ngram_range"):
    tft.ngrams(tokenized_tensor, (0, 5), separator="")
  with pytest.raises(ValueError, match="Invalid ngram_range"):
    tft.ngrams(tokenized_tensor, (6, 5), separator="")


def test_ngrams_bag_of_words_empty():
  # In a graph (a tf.function), as TFT runs it: eagerly, TFT's own bag_of_words fails on an
  # empty batch (its size-0 eager TensorArray can't concat).
  @tf.function
  def ngrams_and_bag_of_words():
    string_tensor = tf.constant([], dtype=tf.string)
    tokenized_tensor = tf.compat.v1.string_split(string_tensor, delimiter="")
    return (tft.ngrams(tokenized_tensor, (1, 2), separator=""),
            tft.bag_of_words(tokenized_tensor, (1, 2), separator=""))

  ngrams, bow = ngrams_and_bag_of_words()
  _assert_all_equal([], ngrams.values)
  _assert_all_equal([], bow.values)
  _assert_all_equal([0, 0], ngrams.dense_shape)
  _assert_all_equal([0, 0], bow.dense_shape)


# --- bag_of_words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "strings, expected_output_indices, expected_output_values, ngram_range",
    [
        pytest.param(
            ["snakes or dogs and bunnies", "cats not rats"],
            [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [1, 0], [1, 1], [1, 2]],
            [b"snakes", b"or", b"dogs", b"and", b"bunnies", b"cats", b"not", b"rats"],
            (1, 1),
            id="bag_of_words"),
        pytest.param(
            ["Cats or dogs or bunnies", "Cats not rats"],
            [[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [1, 2]],
            [b"Cats", b"or", b"dogs", b"bunnies", b"Cats", b"not", b"rats"],
            (1, 1),
            id="bag_of_words_duplicates_within_rows"),
        pytest.param(
            ["cats or dogs or cats", "cats or dogs"],
            [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]],
            [b"cats", b"or", b"dogs", b"cats", b"or", b"dogs"],
            (1, 1),
            id="bag_of_words_duplicates_across_rows"),
        pytest.param(
            ["boots and cats and boots and cats", "", "cats or dogs", ""],
            [[0, 0], [0, 1], [0, 2], [2, 0], [2, 1], [2, 2]],
            [b"boots", b"and", b"cats", b"cats", b"or", b"dogs"],
            (1, 1),
            id="bag_of_words_some_empty"),
        # The bigrams 'i like' and 'like cats' are twice in the first input but only once in
        # the output for that row.
        pytest.param(
            ["i like cats and i like cats to pet", "i like cats"],
            [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [1, 0], [1, 1]],
            [b"i like", b"like cats", b"cats and", b"and i", b"cats to", b"to pet",
             b"i like", b"like cats"],
            [2, 2],
            id="bag_of_words_bigrams"),
    ])
def test_bag_of_words(strings, expected_output_indices, expected_output_values, ngram_range):
  separator = " "
  string_tensor = tf.constant(strings, dtype=tf.string)
  tokenized_tensor = tf.compat.v1.string_split(string_tensor, delimiter=separator)
  output = tft.bag_of_words(tokens=tokenized_tensor, ngram_range=ngram_range,
                            separator=separator)
  _assert_all_equal(expected_output_indices, output.indices)
  _assert_all_equal(expected_output_values, output.values)


# --- deduplicate_tensor_per_row ----------------------------------------------------------------


@pytest.mark.parametrize(
    "indices, values, dense_shape, expected_output_indices, expected_output_values, "
    "expected_output_shape",
    [
        pytest.param(
            [[0, 0], [1, 0], [1, 1], [1, 2]],
            [b"foo", b"bar", b"biz", b"buzz"],
            [2, 3],
            [[0, 0], [1, 0], [1, 1], [1, 2]],
            [b"foo", b"bar", b"biz", b"buzz"],
            [2, 3],
            id="deduplicate_no_op"),
        pytest.param(
            [[1, 0], [3, 1], [3, 2], [4, 4], [4, 1]],
            [1, 1, 1, 0, 0],
            [5, 5],
            [[1, 0], [3, 0], [4, 0]],
            [1, 1, 0],
            [5, 1],
            id="deduplicate_integers"),
        pytest.param(
            [[0, 0], [2, 1], [2, 2], [2, 4], [4, 1]],
            [b"foo", b"bar", b"biz", b"bar", b"foo"],
            [5, 5],
            [[0, 0], [2, 0], [2, 1], [4, 0]],
            [b"foo", b"bar", b"biz", b"foo"],
            [5, 2],
            id="deduplicate_empty_rows"),
        pytest.param(
            [[0, 0], [0, 3], [1, 0], [1, 1], [1, 2]],
            [b"foo", b"foo", b"bar", b"buzz", b"bar"],
            [2, 4],
            [[0, 0], [1, 0], [1, 1]],
            [b"foo", b"bar", b"buzz"],
            [2, 2],
            id="deduplicate_shape_change"),
    ])
def test_dedupe_sparse_tensor_per_row(indices, values, dense_shape, expected_output_indices,
                                      expected_output_values, expected_output_shape):
  sp_input = tf.SparseTensor(indices=indices, values=values, dense_shape=dense_shape)
  output = tft.deduplicate_tensor_per_row(sp_input)
  _assert_all_equal(expected_output_indices, output.indices)
  _assert_all_equal(expected_output_values, output.values)
  _assert_all_equal(expected_output_shape, output.dense_shape)


@pytest.mark.parametrize(
    "values, expected_indices, expected_output",
    [
        pytest.param(
            [[b"a", b"b"], [b"c", b"d"]],
            [[0, 0], [0, 1], [1, 0], [1, 1]],
            [b"a", b"b", b"c", b"d"],
            id="deduplicate_no_op"),
        # The first dimension is the batch (row) dimension, so a 1D tensor comes back as it is
        # (there is only 1 value per row).
        pytest.param(
            [b"a", b"b", b"a", b"d"],
            [[0, 0], [1, 0], [2, 0], [3, 0]],
            [b"a", b"b", b"a", b"d"],
            id="deduplicate_1D"),
        pytest.param(
            [[b"a", b"b", b"a", b"b"], [b"c", b"c", b"d", b"d"]],
            [[0, 0], [0, 1], [1, 0], [1, 1]],
            [b"a", b"b", b"c", b"d"],
            id="deduplicate"),
        # 2 uniques in the first row, 3 in the second row.
        pytest.param(
            [[b"a", b"b", b"a", b"b"], [b"c", b"a", b"d", b"d"]],
            [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2]],
            [b"a", b"b", b"c", b"a", b"d"],
            id="deduplicate_different_sizes"),
        pytest.param(
            [[b"a", b"b", b"a", b"b"], [b"b", b"a", b"b", b"b"]],
            [[0, 0], [0, 1], [1, 0], [1, 1]],
            [b"a", b"b", b"b", b"a"],
            id="deduplicate_keeps_dups_across_rows"),
    ])
def test_dedupe_dense_tensor_per_row(values, expected_indices, expected_output):
  dense_input = tf.constant(values)
  output = tft.deduplicate_tensor_per_row(dense_input)
  _assert_all_equal(expected_indices, output.indices)
  _assert_all_equal(expected_output, output.values)


def test_dedup_3d_input_raises():
  dense_input = tf.constant([[[b"a", b"a"], [b"b", b"b"]], [[b"a", b"a"], [b"d", b"d"]]])
  with pytest.raises(ValueError):
    tft.deduplicate_tensor_per_row(dense_input)


# --- word_count --------------------------------------------------------------------------------


def test_word_count_empty():
  output = _np(tft.word_count(tf.compat.v1.string_split(tf.constant([""]))))
  assert 1 == len(output)
  assert 0 == sum(output)


def test_word_count():
  string_tensor = tf.constant(["abc", "def", "fghijklm", "z", ""])
  tokenized_tensor = tf.compat.v1.string_split(string_tensor, delimiter="")
  output = _np(tft.word_count(tokenized_tensor))
  output_3d = tft.word_count(
      tf.sparse.expand_dims(tf.sparse.expand_dims(tokenized_tensor, axis=1), axis=1))
  assert 5 == len(output)
  assert 15 == sum(output)
  _assert_all_equal(output, [3, 3, 8, 1, 0])
  _assert_all_equal(output, output_3d)


def test_word_count_ragged():
  string_tensor = tf.constant(["abc", "def", "fghijklm", "z", ""])
  tokenized_tensor = tf.RaggedTensor.from_sparse(
      tf.compat.v1.string_split(string_tensor, delimiter=""))
  output = _np(tft.word_count(tokenized_tensor))
  assert 5 == len(output)
  assert 15 == sum(output)
  _assert_all_equal(output, [3, 3, 8, 1, 0])


# --- hash_strings ------------------------------------------------------------------------------


def test_hash_strings_no_key_dense_input():
  strings = tf.constant(["Car", "Bus", "Tree"])
  expected_output = [8, 4, 5]
  hash_buckets = 11
  _assert_all_equal(expected_output, tft.hash_strings(strings, hash_buckets))


def test_hash_strings_no_key_sparse_input():
  strings = tf.SparseTensor(indices=[[0, 0], [0, 1], [1, 0]], values=["Dog", "Cat", ""],
                            dense_shape=[2, 2])
  hash_buckets = 17
  _assert_sparse_output(
      expected_indices=[[0, 0], [0, 1], [1, 0]],
      expected_values=[12, 4, 11],
      expected_shape=[2, 2],
      actual=tft.hash_strings(strings, hash_buckets),
      close_values=False)


def test_hash_strings_no_key_ragged_input():
  strings = tf.RaggedTensor.from_row_splits(values=["Dog", "Cat", ""],
                                            row_splits=[0, 1, 1, 1, 1, 3])
  hash_buckets = 17
  expected_hashed_strings = tf.RaggedTensor.from_row_splits(values=[12, 4, 11],
                                                            row_splits=[0, 1, 1, 1, 1, 3])
  _assert_ragged_equal(expected_hashed_strings, tft.hash_strings(strings, hash_buckets))


def test_hash_strings_with_key_dense_input():
  strings = tf.constant(["Cake", "Pie", "Sundae"])
  expected_output = [6, 5, 6]
  hash_buckets = 11
  _assert_all_equal(expected_output, tft.hash_strings(strings, hash_buckets, key=[123, 456]))


def test_hash_strings_with_key_sparse_input():
  strings = tf.SparseTensor(indices=[[0, 0, 0], [0, 1, 1], [1, 1, 0], [2, 1, 0]],
                            values=["$$$", "%^#", "&$!#@", "$$$"], dense_shape=[3, 3, 2])
  hash_buckets = 173
  _assert_sparse_output(
      expected_indices=strings.indices,
      expected_values=[16, 156, 9, 16],
      expected_shape=strings.dense_shape,
      actual=tft.hash_strings(strings, hash_buckets, key=[321, 555]),
      close_values=False)


def test_hash_strings_with_key_ragged_input():
  strings = tf.RaggedTensor.from_row_splits(values=["$$$", "%^#", "&$!#@", "$$$"],
                                            row_splits=[0, 1, 1, 2, 2, 4])
  hash_buckets = 173
  expected_hashed_strings = tf.RaggedTensor.from_row_splits(values=[16, 156, 9, 16],
                                                            row_splits=[0, 1, 1, 2, 2, 4])
  _assert_ragged_equal(expected_hashed_strings,
                       tft.hash_strings(strings, hash_buckets, key=[321, 555]))


# --- apply_buckets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, bucket_boundaries, expected_buckets",
    [
        pytest.param(4, [[5]], 0, id="few_buckets"),
        pytest.param(50_000_000, [[0, 50_000_001, 100_000_001]], 1, id="large_buckets"),
        pytest.param([4.0, float("nan"), float("-inf"), 7.5, 10.0], [[2, 5, 8]],
                     [1, 3, 0, 2, 3], id="with_nans"),
        pytest.param([4.0, float("-inf"), 0.8, 7.5, 10.0], [[float("-inf"), 2, 5, 8]],
                     [2, 1, 1, 3, 4], id="with_inf_boundary"),
    ])
def test_apply_buckets(x, bucket_boundaries, expected_buckets):
  x = tf.constant(x)
  bucket_boundaries = tf.constant(bucket_boundaries)
  expected_buckets = tf.constant(expected_buckets, dtype=tf.int64)
  buckets = tft.apply_buckets(x, bucket_boundaries)
  _assert_all_equal(buckets, expected_buckets)


def test_apply_buckets_to_sparse_tensor():
  inputs = tf.SparseTensor(indices=[[0, 0, 0], [0, 1, 1], [2, 2, 2]], values=[10, 20, -1],
                           dense_shape=[3, 3, 4])
  quantiles = [-10, 0, 13]
  bucketized = tft.apply_buckets(inputs, [quantiles])
  _assert_sparse_output(inputs.indices, tf.constant([2, 3, 1]), inputs.dense_shape, bucketized,
                        close_values=False)


def test_apply_buckets_to_ragged_tensor():
  inputs = tf.RaggedTensor.from_row_splits(
      values=tf.RaggedTensor.from_row_splits(values=[10, 20, -1],
                                             row_splits=[0, 1, 1, 2, 2, 3]),
      row_splits=[0, 1, 1, 2, 3, 5])
  quantiles = [-10, 0, 13]
  expected_bucketized = tf.RaggedTensor.from_row_splits(
      values=tf.RaggedTensor.from_row_splits(values=[2, 3, 1], row_splits=[0, 1, 1, 2, 2, 3]),
      row_splits=[0, 1, 1, 2, 3, 5])
  _assert_ragged_equal(expected_bucketized, tft.apply_buckets(inputs, [quantiles]))


# --- apply_buckets_with_interpolation ----------------------------------------------------------


@pytest.mark.parametrize(
    "x, boundaries, expected_results, input_dtype, boundaries_dtype",
    [
        pytest.param(1, [0, 2], 0.5, tf.float32, tf.float32, id="single_input_value"),
        pytest.param([-1, 9, 10, 11], [10], [0, 0, 1, 1], tf.float32, tf.float32,
                     id="single_boundary"),
        pytest.param([-1111, 0, 5, 9, 10, 11, 15, 19, 20, 21, 1111], [10, 20],
                     [0, 0, 0, 0, 0, 0.1, 0.5, 0.9, 1, 1, 1], tf.float32, tf.float32,
                     id="out_of_bounds"),
        pytest.param([[15, 10], [20, 17], [-1111, 21]], [10, 20], [[0.5, 0], [1, 0.7], [0, 1]],
                     tf.float32, tf.float32, id="2d_input"),
        pytest.param([15, 20, 25], [10, 20], [0.5, 1, 1], tf.int64, tf.float32,
                     id="integer_input"),
        pytest.param([-10, 0, 0.1, 2.3, 4.5, 6.7, 8.9, 10, 100],
                     [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                     [0, 0, 0.01, 0.23, 0.45, 0.67, 0.89, 1, 1], tf.float32, tf.float32,
                     id="float_input"),
        pytest.param([float("-inf"), -10, 0, 0.1, 2.3, float("nan"), 4.5, 6.7, 8.9, 10, 100,
                      float("inf")],
                     [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                     [0, 0, 0, 0.01, 0.23, 0.5, 0.45, 0.67, 0.89, 1, 1, 1], tf.float32,
                     tf.float32, id="float_input_with_nans"),
        pytest.param([float("-inf"), float("-inf"), float(0), float("-inf")],
                     [float("-inf"), 0], [0, 0, 1, 0], tf.float32, tf.float32,
                     id="float_input_with_inf_boundaries"),
        pytest.param([float("-inf"), float("nan"), float(0), float(1)],
                     [float("nan"), 0, 1], [0, 0.5, 0, 1], tf.float32, tf.float32,
                     id="float_input_with_nan_boundaries"),
        pytest.param([15, 20, 25], [10, 20], [0.5, 1, 1], tf.float32, tf.int64,
                     id="integer_boundaries"),
        pytest.param([-10, -5, -3, 0, 2, 4, 8, 12, 18], [-20, -4, 1, 4, 20],
                     [0.15625, 0.234375, 0.3, 0.45, 0.583333, 0.75, 0.8125, 0.875, 0.96875],
                     tf.float32, tf.float32, id="negative_boundaries"),
        pytest.param([-1111, 10, 50, 100, 1000, 9000, 10000, 1293817391],
                     [10, 100, 1000, 10000],
                     [0, 0, (4.0 / 9 / 3), (1.0 / 3), (2.0 / 3), ((2 + 8.0 / 9) / 3), 1, 1],
                     tf.float32, tf.int64, id="interpolates_properly"),
    ])
def test_apply_buckets_with_interpolation(x, boundaries, expected_results, input_dtype,
                                          boundaries_dtype):
  x = tf.constant(x, dtype=input_dtype)
  boundaries = tf.constant([boundaries], dtype=boundaries_dtype)
  output = tft.apply_buckets_with_interpolation(x, boundaries)
  _assert_all_close(output, expected_results, 1e-6)


def test_apply_buckets_with_interpolation_all_nan_boundaries_raises():
  # TFT matches "num_boundaries", the name of the asserted tensor: a graph op's name, so the
  # check runs in a tf.function (eager assertion messages carry no tensor names).
  @tf.function
  def interpolate():
    x = tf.constant([float("-inf"), float("nan"), 0.0, 1.0])
    boundaries = tf.constant([[float("nan"), float("nan"), float("nan")]])
    return tft.apply_buckets_with_interpolation(x, boundaries)

  with pytest.raises(tf.errors.InvalidArgumentError, match="num_boundaries"):
    interpolate()


def test_apply_buckets_with_interpolation_raises():
  # A non-numeric tensor can't be scaled.
  x = tf.constant(["a", "b", "c"], dtype=tf.string)
  boundaries = tf.constant([0.2, 0.4], dtype=tf.float32)
  with pytest.raises(ValueError):
    tft.apply_buckets_with_interpolation(x, boundaries)


def test_apply_buckets_with_interpolation_sparse_tensor():
  x = tf.SparseTensor(
      indices=[[0, 0, 0], [1, 1, 2], [3, 1, 4], [1, 1, 4], [6, 1, 1], [3, 1, 2]],
      values=[15, 10, 20, 17, -1111, 21],
      dense_shape=[7, 3, 5])
  boundaries = [[10, 20]]
  output = tft.apply_buckets_with_interpolation(x, boundaries)
  expected_results = tf.SparseTensor(indices=x.indices, values=[0.5, 0, 1, 0.7, 0, 1],
                                     dense_shape=x.dense_shape)
  _assert_all_close(output.values, expected_results.values, 1e-6)
  _assert_all_equal(output.indices, expected_results.indices)
  _assert_all_equal(output.dense_shape, expected_results.dense_shape)


def test_apply_buckets_with_interpolation_ragged_tensor():
  inputs = tf.RaggedTensor.from_row_splits(values=[15, 10, 20, 17, -1111, 21],
                                           row_splits=[0, 1, 1, 2, 4, 5, 6])
  boundaries = [[10, 20]]
  expected_bucketized = tf.RaggedTensor.from_row_splits(values=[0.5, 0, 1, 0.7, 0, 1],
                                                        row_splits=[0, 1, 1, 2, 4, 5, 6])
  _assert_ragged_equal(expected_bucketized,
                       tft.apply_buckets_with_interpolation(inputs, boundaries))


def test_buckets_with_interpolation_unknown_shape_boundary():
  # The boundaries' shape comes from a random op, so in a graph (here a tf.function, TFT's
  # tf.compat.v1 Graph) their size isn't known. Nothing is asserted about the (random) result;
  # the ops must run.
  @tf.function
  def interpolate():
    x = tf.constant([0, 1, 5, 12], dtype=tf.float32)
    num_boundaries = tf.random.uniform([1], 1, 2, dtype=tf.int64)[0]
    boundaries = tf.random.uniform([1, num_boundaries], 0, 10)
    return tft.apply_buckets_with_interpolation(x, boundaries)

  interpolate()


# --- sparse_tensor_to_dense_with_shape, sparse_tensor_left_align --------------------------------


def test_sparse_tensor_to_dense_with_shape():
  # TFT feeds a tf.compat.v1.sparse_placeholder of shape [None, None, None]; a tf.function
  # traced on a SparseTensorSpec of that shape is its TF2 form.
  @tf.function(input_signature=[tf.SparseTensorSpec([None, None, None], tf.int64)])
  def densify(sparse):
    return tft.sparse_tensor_to_dense_with_shape(sparse, [None, 5, 6])

  dense = densify.get_concrete_function().structured_outputs
  assert dense.get_shape().as_list() == [None, 5, 6]


def test_sparse_tensor_left_align():
  x = tf.SparseTensor(
      indices=[[0, 3], [1, 2], [1, 4], [3, 2], [3, 4], [5, 0], [6, 1]],
      values=[15, 10, 20, 17, -1111, 13, 21],
      dense_shape=[7, 5])
  y = tft.sparse_tensor_left_align(x)
  expected_indices = [[0, 0], [1, 0], [1, 1], [3, 0], [3, 1], [5, 0], [6, 0]]
  _assert_all_equal(y.indices, expected_indices)


# --- analyzers_test.py -------------------------------------------------------------------------


def test_min_diff_from_avg():
  # TFT calls analyzers.calculate_recommended_min_diff_from_avg: public in
  # tensorflow_transform.analyzers (tft.analyzers), not in tft's own namespace.
  calculate = tft.analyzers.calculate_recommended_min_diff_from_avg
  # A small dataset gets the minimum of 2.
  assert calculate(10000) == 2
  assert calculate(100000) == 4
  assert calculate(500000) == 13
  # A large dataset gets the maximum of 25.
  assert calculate(100000000) == 25
