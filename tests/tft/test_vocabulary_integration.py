"""TFT 1.21's beam/vocabulary_integration_test.py (VocabularyIntegrationTest, whose vocabulary
format is "text"), transcribed: tft.vocabulary, tft.compute_and_apply_vocabulary,
tft.apply_vocabulary and tft.experimental's approximate vocabularies, with TFT's inputs,
preprocessing_fns and expected values. Only the TF2 path.

Vocabulary files are checked as TFT's AssertVocabularyContents checks them (_assert_vocabulary
below): a list of tuples is (token, frequency), tokens equal and frequencies to 6 decimals; a list
of lines is compared line by line. Where TFT's expected rows are in another order than its input
rows, they are listed here in input order (TFT compares rows order-insensitively, the harness in
order); the values are TFT's.
"""

import itertools
import os

import numpy as np
import pytest
import tensorflow as tf

import tfx_core.transform as tft
from tfx_core.proto import schema_pb2  # tensorflow_metadata's schema.proto
from tests.tft import tft_unit

_VOCAB_FORMAT = "text"  # VocabularyIntegrationTest._VocabFormat().


# --- Helpers -----------------------------------------------------------------------------------


def _cross(*parameter_lists):
  """TFT's cross_named_parameters: the product of lists of cases, names joined by "_"."""
  crossed = []
  for combination in itertools.product(*parameter_lists):
    case = dict(combination[0])
    for other in combination[1:]:
      for name, value in other.items():
        if name == "testcase_name":
          case[name] = "%s_%s" % (case[name], value)
        else:
          assert name not in case, name
          case[name] = value
    crossed.append(case)
  return crossed


def _named(cases):
  """pytest params of TFT's named_parameters cases, with testcase_name (less a leading "_") as
  the id; the case reaches the test without its name."""
  return [pytest.param({k: v for k, v in case.items() if k != "testcase_name"},
                       id=case["testcase_name"].lstrip("_")) for case in cases]


def _bytes(value):
  return value.encode("utf-8") if isinstance(value, str) else value


def _assert_vocabulary(path, file_contents):
  """TFT's test_case.AssertVocabularyContents."""
  if path.endswith(".tfrecord.gz"):
    file_lines = list(tf.data.TFRecordDataset(path, compression_type="GZIP").as_numpy_iterator())
  else:
    with open(path, "rb") as f:
      file_lines = f.read().splitlines()
  if isinstance(file_contents[0], tuple):  # Store frequency case.
    word_and_frequency_list = []
    for line in file_lines:
      frequency, word = line.split(b" ", 1)
      # Comma-separated for the vocabulary of a per-key analyzer.
      values = [float(v) for v in frequency.split(b",")]
      word_and_frequency_list.append((word, values[0] if len(values) == 1 else values))
    actual_words, actual_frequency = zip(*word_and_frequency_list)
    expected_words, expected_frequency = zip(*file_contents)
    assert list(actual_words) == [_bytes(w) for w in expected_words], (
        path, word_and_frequency_list, file_contents)
    np.testing.assert_almost_equal(actual_frequency, expected_frequency, decimal=6)
  else:
    assert file_lines == [_bytes(line) for line in file_contents], (path, file_lines,
                                                                     file_contents)


def _analyze(input_data, input_metadata, preprocessing_fn, directory):
  """tft.analyze_dataset of TFT's instance dicts, its output kept in directory (the harness
  removes its own when it returns)."""
  spec = input_metadata.feature_spec
  return tft.analyze_dataset(tft_unit.to_table(input_data, spec), preprocessing_fn, spec,
                             os.path.join(str(directory), "transform_output"))


def _analyze_and_transform(tmp_path, input_data, input_metadata, preprocessing_fn,
                           expected_data=None, expected_metadata=None,
                           expected_vocab_file_contents=None, test_data=None):
  """assertAnalyzeAndTransformResults: data and metadata by the harness, vocabulary files as
  TFT checks them (of an analysis kept in tmp_path)."""
  if expected_data is not None or expected_metadata is not None:
    tft_unit.assert_analyze_and_transform(
        input_data, input_metadata, preprocessing_fn, expected_data, expected_metadata,
        test_data=test_data)
  if expected_vocab_file_contents or (expected_data is None and expected_metadata is None):
    output = _analyze(input_data, input_metadata, preprocessing_fn, tmp_path)
    for name, contents in (expected_vocab_file_contents or {}).items():
      _assert_vocabulary(output.vocabulary_file_by_name(name), contents)


def _add_labels_and_weights(case, input_data, input_feature_spec):
  if case.get("label_data") is not None:
    for idx, label in enumerate(case["label_data"]):
      input_data[idx]["label"] = label
    input_feature_spec["label"] = case["label_feature_spec"]
  if case.get("weight_data") is not None:
    for idx, weight in enumerate(case["weight_data"]):
      input_data[idx]["weights"] = weight
    input_feature_spec["weights"] = case["weight_feature_spec"]


_CASE_KEYS = ("x_data", "x_feature_spec", "label_data", "label_feature_spec", "weight_data",
              "weight_feature_spec", "expected_vocab_file_contents", "index_data",
              "index_feature_spec", "index_domain", "required_format")


def _kwargs(case):
  return {k: v for k, v in case.items() if k not in _CASE_KEYS}


_HELLO_GOODBYE = [b"hello", b"hello", b"hello", b"goodbye", b"aaaaa", b"aaaaa", b"goodbye",
                  b"goodbye", b"aaaaa", b"aaaaa", b"goodbye", b"goodbye"]
_HELLO_GOODBYE_LABELS = [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0]
_HELLO_GOODBYE_WEIGHTS = [0.3, 0.4, 0.3, 1.2, 0.6, 0.7, 1.0, 1.0, 0.6, 0.7, 1.0, 1.0]
_INT_LIKE_HELLO_GOODBYE = [3, 3, 3, 1, 2, 2, 1, 1, 2, 2, 1, 1]
_PREDICTORS = [b"good_predictor_of_0", b"good_predictor_of_0", b"good_predictor_of_0",
               b"good_predictor_of_1", b"good_predictor_of_2", b"good_predictor_of_2",
               b"good_predictor_of_2", b"good_predictor_of_1", b"good_predictor_of_1",
               b"weak_predictor_of_1", b"good_predictor_of_0", b"good_predictor_of_1",
               b"good_predictor_of_1", b"good_predictor_of_1", b"weak_predictor_of_1"]
_PREDICTOR_LABELS = [0, 0, 0, 1, 2, 2, 2, 1, 1, 1, 0, 1, 1, 1, 0]
_INFORMATIVE = [b"informative_1", b"informative_1", b"informative_0", b"informative_0",
                b"uninformative", b"uninformative", b"informative_by_weight",
                b"informative_by_weight"]
_INFORMATIVE_LABELS = [1, 1, 0, 0, 0, 1, 0, 1]

_STRING = tf.io.FixedLenFeature([], tf.string)
_INT64 = tf.io.FixedLenFeature([], tf.int64)
_FLOAT32 = tf.io.FixedLenFeature([], tf.float32)
_VARLEN_STRING = tf.io.VarLenFeature(tf.string)
_VARLEN_INT64 = tf.io.VarLenFeature(tf.int64)


def _int_domain(low, high):
  return schema_pb2.IntDomain(min=low, max=high, is_categorical=True)


# --- testVocabulary ----------------------------------------------------------------------------

_WITH_LABEL_PARAMS = _cross(
    [
        dict(testcase_name="_string", x_data=_HELLO_GOODBYE, x_feature_spec=_STRING,
             expected_vocab_file_contents=[(b"goodbye", 1.9753224), (b"aaaaa", 1.6600707),
                                           (b"hello", 1.2450531)]),
        dict(testcase_name="_int64", x_data=_INT_LIKE_HELLO_GOODBYE, x_feature_spec=_INT64,
             expected_vocab_file_contents=[(b"1", 1.9753224), (b"2", 1.6600707),
                                           (b"3", 1.2450531)]),
    ],
    [
        dict(testcase_name="with_label", label_data=_HELLO_GOODBYE_LABELS,
             label_feature_spec=_INT64, min_diff_from_avg=0.0, store_frequency=True),
    ])

# fingerprints by which each of the tokens will be sorted if fingerprint shuffling is used.
# 'ho ho': '1b3dd735ddff70d90f3b7ba5ebf65df521d6ca4d'
# 'world': '7c211433f02071597741e6ff5a8ea34789abbf43'
# 'hello': 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d'
# 'hi': 'c22b5f9178342609428d6f51b2c5af4c0bde6a42'
# '1': '356a192b7913b04c54574d18c28d46e6395428ab'
# '2': 'da4b9237bacccdf19c0760cab7aec4a8359010b0'
# '3': '77de68daecd823babbb58edb1c8e14d7106e83bb'
_VOCABULARY_CASES = [
    dict(
        testcase_name="_unadjusted_mi_binary_label",
        x_data=[b"informative", b"informative", b"informative", b"uninformative",
                b"uninformative", b"uninformative", b"uninformative", b"uninformative_rare",
                b"uninformative_rare"],
        x_feature_spec=_STRING,
        label_data=[1, 1, 1, 0, 1, 1, 0, 0, 1],
        label_feature_spec=_INT64,
        expected_vocab_file_contents=[(b"informative", 1.7548264), (b"uninformative", 0.33985),
                                      (b"uninformative_rare", 0.169925)],
        min_diff_from_avg=0.0,
        use_adjusted_mutual_info=False,
        store_frequency=True),
    dict(
        testcase_name="_unadjusted_mi_multi_class_label",
        x_data=_PREDICTORS,
        x_feature_spec=_STRING,
        label_data=_PREDICTOR_LABELS,
        label_feature_spec=_INT64,
        expected_vocab_file_contents=[
            (b"good_predictor_of_2", 6.9656613), (b"good_predictor_of_1", 6.5969828),
            (b"good_predictor_of_0", 6.339692), (b"weak_predictor_of_1", 0.684463)],
        min_diff_from_avg=0.0,
        use_adjusted_mutual_info=False,
        store_frequency=True),
    dict(
        testcase_name="_unadjusted_mi_binary_label_with_weights",
        x_data=_INFORMATIVE,
        x_feature_spec=_STRING,
        label_data=_INFORMATIVE_LABELS,
        label_feature_spec=_INT64,
        # uninformative and informative_by_weight have the same co-occurrence relationship with
        # the label but will have different importance values due to the weighting.
        expected_vocab_file_contents=[
            (b"informative_0", 3.1698803), (b"informative_1", 1.1698843),
            (b"informative_by_weight", 0.6096405), (b"uninformative", 0.169925)],
        weight_data=[1, 1, 1, 1, 1, 1, 1, 5],
        weight_feature_spec=_FLOAT32,
        min_diff_from_avg=0.0,
        use_adjusted_mutual_info=False,
        store_frequency=True),
    dict(
        testcase_name="_unadjusted_mi_binary_label_min_diff_from_avg",
        x_data=_HELLO_GOODBYE,
        x_feature_spec=_STRING,
        label_data=_HELLO_GOODBYE_LABELS,
        label_feature_spec=_INT64,
        # All features are weak predictors, so all are adjusted to zero.
        expected_vocab_file_contents=[(b"hello", 0.0), (b"goodbye", 0.0), (b"aaaaa", 0.0)],
        use_adjusted_mutual_info=False,
        min_diff_from_avg=2.0,
        store_frequency=True),
    dict(
        testcase_name="_adjusted_mi_binary_label",
        x_data=_HELLO_GOODBYE,
        x_feature_spec=_STRING,
        label_data=_HELLO_GOODBYE_LABELS,
        label_feature_spec=_INT64,
        expected_vocab_file_contents=[(b"goodbye", 1.4070794), (b"aaaaa", 0.9987448),
                                      (b"hello", 0.5017178)],
        min_diff_from_avg=0.0,
        use_adjusted_mutual_info=True,
        store_frequency=True),
    dict(
        testcase_name="_adjusted_mi_binary_label_int64_feature",
        x_data=_INT_LIKE_HELLO_GOODBYE,
        x_feature_spec=_INT64,
        label_data=_HELLO_GOODBYE_LABELS,
        label_feature_spec=_INT64,
        expected_vocab_file_contents=[(b"1", 1.4070794), (b"2", 0.9987448),
                                      (b"3", 0.5017178)],
        min_diff_from_avg=0.0,
        use_adjusted_mutual_info=True,
        store_frequency=True),
    dict(
        testcase_name="_adjusted_mi_multi_class_label",
        x_data=_PREDICTORS,
        x_feature_spec=_STRING,
        label_data=_PREDICTOR_LABELS,
        label_feature_spec=_INT64,
        expected_vocab_file_contents=[
            (b"good_predictor_of_1", 5.4800901), (b"good_predictor_of_2", 5.3861019),
            (b"good_predictor_of_0", 4.9054722), (b"weak_predictor_of_1", -0.9748023)],
        min_diff_from_avg=0.0,
        use_adjusted_mutual_info=True,
        store_frequency=True),
    # TODO(b/128831096) in TFT: Determine correct interaction between AMI and weights
    dict(
        testcase_name="_adjusted_mi_binary_label_with_weights",
        x_data=_INFORMATIVE,
        x_feature_spec=_STRING,
        label_data=_INFORMATIVE_LABELS,
        label_feature_spec=_INT64,
        weight_data=[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 5.0],
        weight_feature_spec=_FLOAT32,
        # uninformative and informative_by_weight have the same co-occurrence relationship with
        # the label but will have different importance values due to the weighting.
        expected_vocab_file_contents=[
            (b"informative_0", 2.3029856), (b"informative_1", 0.3029896),
            (b"informative_by_weight", 0.1713041), (b"uninformative", -0.6969697)],
        min_diff_from_avg=0.0,
        use_adjusted_mutual_info=True,
        store_frequency=True),
    dict(
        testcase_name="_adjusted_mi_min_diff_from_avg",
        x_data=[b"good_predictor_of_0", b"good_predictor_of_0", b"good_predictor_of_0",
                b"good_predictor_of_1", b"good_predictor_of_0", b"good_predictor_of_1",
                b"good_predictor_of_1", b"good_predictor_of_1", b"good_predictor_of_1",
                b"good_predictor_of_0", b"good_predictor_of_1", b"good_predictor_of_1",
                b"good_predictor_of_1", b"weak_predictor_of_1", b"weak_predictor_of_1"],
        x_feature_spec=_STRING,
        label_data=[0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0],
        label_feature_spec=_INT64,
        # With min_diff_from_avg, the small AMI value is regularized to 0
        expected_vocab_file_contents=[(b"good_predictor_of_0", 1.8322128),
                                      (b"good_predictor_of_1", 1.7554416),
                                      (b"weak_predictor_of_1", 0)],
        use_adjusted_mutual_info=True,
        min_diff_from_avg=1.0,
        store_frequency=True),
    dict(
        testcase_name="_labels_weight_and_frequency",
        x_data=_HELLO_GOODBYE,
        x_feature_spec=_STRING,
        label_data=_HELLO_GOODBYE_LABELS,
        label_feature_spec=_INT64,
        weight_data=_HELLO_GOODBYE_WEIGHTS,
        weight_feature_spec=_FLOAT32,
        expected_vocab_file_contents=[(b"aaaaa", 1.5637185), (b"goodbye", 0.8699492),
                                      (b"hello", 0.6014302)],
        min_diff_from_avg=0.0,
        store_frequency=True),
    dict(
        testcase_name="_string_feature_with_frequency_and_shuffle",
        x_data=[b"world", b"hello", b"hello"],
        x_feature_spec=_STRING,
        expected_vocab_file_contents=[(b"world", 1), (b"hello", 2)],
        fingerprint_shuffle=True,
        store_frequency=True),
    dict(
        testcase_name="_string_feature_with_frequency_and_no_shuffle",
        x_data=[b"hi", b"ho ho", b"ho ho"],
        x_feature_spec=_STRING,
        expected_vocab_file_contents=[(b"ho ho", 2), (b"hi", 1)],
        store_frequency=True),
    dict(
        testcase_name="_string_feature_with_no_frequency_and_shuffle",
        x_data=[b"world", b"hello", b"hello"],
        x_feature_spec=_STRING,
        expected_vocab_file_contents=[b"world", b"hello"],
        fingerprint_shuffle=True),
    dict(
        testcase_name="_string_feature_with_no_frequency_and_no_shuffle",
        x_data=[b"world", b"hello", b"hello"],
        x_feature_spec=_STRING,
        expected_vocab_file_contents=[b"hello", b"world"]),
    dict(
        testcase_name="_int_feature_with_frequency_and_shuffle",
        x_data=[1, 2, 2, 3],
        x_feature_spec=_INT64,
        expected_vocab_file_contents=[(b"1", 1), (b"3", 1), (b"2", 2)],
        fingerprint_shuffle=True,
        store_frequency=True),
    dict(
        testcase_name="_int_feature_with_frequency_and_no_shuffle",
        x_data=[2, 1, 1, 1],
        x_feature_spec=_INT64,
        expected_vocab_file_contents=[(b"1", 3), (b"2", 1)],
        store_frequency=True),
    dict(
        testcase_name="_int_feature_with_no_frequency_and_shuffle",
        x_data=[1, 2, 2, 3],
        x_feature_spec=_INT64,
        expected_vocab_file_contents=[b"1", b"3", b"2"],
        fingerprint_shuffle=True),
    dict(
        testcase_name="_int_feature_with_no_frequency_and_no_shuffle",
        x_data=[1, 2, 2, 3],
        x_feature_spec=_INT64,
        expected_vocab_file_contents=[b"2", b"3", b"1"]),
    dict(
        testcase_name="_int_feature_with_top_k",
        x_data=[111, 2, 2, 3],
        top_k=2,
        x_feature_spec=_INT64,
        expected_vocab_file_contents=[b"2", b"3"]),
] + _WITH_LABEL_PARAMS


@pytest.mark.parametrize("case", _named(_VOCABULARY_CASES))
def test_vocabulary(case, tmp_path):
  """tft.vocabulary with various inputs (TFT's testVocabulary)."""
  input_data = [{"x": x} for x in case["x_data"]]
  input_feature_spec = {"x": case["x_feature_spec"]}
  _add_labels_and_weights(case, input_data, input_feature_spec)
  input_metadata = tft_unit.metadata(input_feature_spec)
  kwargs = _kwargs(case)

  def preprocessing_fn(inputs):
    x = inputs["x"]
    labels = inputs.get("label")
    weights = inputs.get("weights")
    # Even though the return value is not used, calling tft.vocabulary generates the vocabulary
    # as a side effect, and since it is named it can be looked up using public APIs.
    tft.vocabulary(x, labels=labels, weights=weights, vocab_filename="my_vocab",
                   file_format=_VOCAB_FORMAT, **kwargs)
    return inputs

  _analyze_and_transform(
      tmp_path, input_data, input_metadata, preprocessing_fn,
      input_data,  # expected output data is same as input data
      input_metadata,  # expected output metadata is same as input metadata
      expected_vocab_file_contents={"my_vocab": case["expected_vocab_file_contents"]})


# --- testApproximateVocabulary -----------------------------------------------------------------

_APPROXIMATE_VOCABULARY_CASES = _cross(
    [
        dict(
            testcase_name="_string",
            input_data=[{"x": x} for x in _HELLO_GOODBYE],
            feature_spec={"x": _STRING},
            top_k=2,
            make_expected_vocab_fn=lambda _: [(b"goodbye", 5), (b"aaaaa", 4)]),
        dict(
            testcase_name="_int",
            input_data=[{"x": 1}, {"x": 2}, {"x": 2}, {"x": 3}, {"x": 1}],
            feature_spec={"x": _INT64},
            top_k=2,
            make_expected_vocab_fn=lambda _: [(b"2", 2), (b"1", 2)]),
        dict(
            testcase_name="_weights",
            input_data=[
                {"x": b"hello", "weights": 1.4},
                {"x": b"hello", "weights": 0.5},
                {"x": b"hello", "weights": 1.12},
                {"x": b"goodbye", "weights": 0.123},
                {"x": b"aaaaa", "weights": 0.3},
                {"x": b"aaaaa", "weights": 1.123},
                {"x": b"goodbye", "weights": 0.1},
                {"x": b"goodbye", "weights": 0.00001},
            ],
            feature_spec={"x": _STRING, "weights": _FLOAT32},
            top_k=2,
            make_expected_vocab_fn=lambda _: [(b"hello", 3.02), (b"aaaaa", 1.423)]),
        dict(
            testcase_name="_large_top_k",
            input_data=[{"x": x} for x in [b"hello", b"hello", b"hello", b" ", b"aaaaa",
                                           b"aaaaa", b"goodbye", b"goodbye", b" ", b"",
                                           b"goodbye", b"goodbye"]],
            feature_spec={"x": _STRING},
            top_k=100,
            make_expected_vocab_fn=lambda file_format: (
                [(b"goodbye", 4), (b"hello", 3), (b"aaaaa", 2), (b" ", 2)]
                if file_format == "text" else
                [(b"goodbye", 4), (b"hello", 3), (b"aaaaa", 2), (b" ", 2), (b"", 1)])),
        dict(
            testcase_name="_ragged",
            input_data=[
                {"x$ragged_values": ["hello", " "], "x$row_lengths_1": [1, 0, 1]},
                {"x$ragged_values": ["hello"], "x$row_lengths_1": [0, 1]},
                {"x$ragged_values": ["hello", "goodbye"], "x$row_lengths_1": [2, 0, 0]},
                {"x$ragged_values": ["hello", "hello", " ", " "], "x$row_lengths_1": [0, 2, 2]},
            ],
            feature_spec={"x": tf.io.RaggedFeature(
                tf.string, value_key="x$ragged_values",
                partitions=[tf.io.RaggedFeature.RowLengths("x$row_lengths_1")])},
            top_k=2,
            make_expected_vocab_fn=lambda _: [(b"hello", 5), (b" ", 3)]),
        dict(
            testcase_name="_sparse",
            input_data=[
                {"x$sparse_indices_0": [0, 1], "x$sparse_indices_1": [2, 3],
                 "x$sparse_values": [-4, 4]},
                {"x$sparse_indices_0": [0, 1], "x$sparse_indices_1": [4, 1],
                 "x$sparse_values": [2, 2]},
                {"x$sparse_indices_0": [0, 1], "x$sparse_indices_1": [0, 3],
                 "x$sparse_values": [2, 4]},
            ],
            feature_spec={"x": tf.io.SparseFeature(
                ["x$sparse_indices_0", "x$sparse_indices_1"], "x$sparse_values", tf.int64,
                [5, 5])},
            top_k=2,
            make_expected_vocab_fn=lambda _: [(b"2", 3), (b"4", 2)]),
        dict(
            testcase_name="_newline_chars",
            input_data=[{"x": x} for x in [b"aaaaa\n", b"\n\n", b"", b" ", b" ", b"aaaaa\n",
                                           b"aaaaa\n", b"aaaaa", b"goo\rdbye", b" ", b" ",
                                           b"aaaaa\n"]],
            feature_spec={"x": _STRING},
            top_k=6,
            make_expected_vocab_fn=lambda file_format: (
                [(b" ", 4), (b"aaaaa", 1)] if file_format == "text" else
                [(b"aaaaa\n", 4), (b" ", 4), (b"goo\rdbye", 1), (b"aaaaa", 1), (b"\n\n", 1),
                 (b"", 1)])),
    ],
    [
        dict(testcase_name="no_frequency", store_frequency=False),
        dict(testcase_name="with_frequency", store_frequency=True),
    ],
    [
        dict(testcase_name="no_reserved_tokens", reserved_tokens=None),
        dict(testcase_name="with_reserved_tokens", reserved_tokens=["A"]),
    ])


@pytest.mark.parametrize("case", _named(_APPROXIMATE_VOCABULARY_CASES))
def test_approximate_vocabulary(case, tmp_path):
  input_metadata = tft_unit.metadata(case["feature_spec"])
  top_k, store_frequency = case["top_k"], case["store_frequency"]
  reserved_tokens = case["reserved_tokens"]

  def preprocessing_fn(inputs):
    x = inputs["x"]
    weights = inputs.get("weights")
    # Even though the return value is not used, the call generates the vocabulary as a side
    # effect, and since it is named it can be looked up using public APIs.
    tft.experimental.approximate_vocabulary(
        x, top_k, store_frequency=store_frequency, weights=weights,
        vocab_filename="my_approximate_vocab", reserved_tokens=reserved_tokens,
        file_format=_VOCAB_FORMAT)
    return inputs

  expected_vocab_file_contents = case["make_expected_vocab_fn"](_VOCAB_FORMAT)
  if reserved_tokens is not None:
    expected_vocab_file_contents = [(t, -1) for t in reserved_tokens] + \
        expected_vocab_file_contents
  if not store_frequency:
    expected_vocab_file_contents = [token for token, _ in expected_vocab_file_contents]
  _analyze_and_transform(
      tmp_path, case["input_data"], input_metadata, preprocessing_fn,
      expected_vocab_file_contents={"my_approximate_vocab": expected_vocab_file_contents})


# --- testComputeAndApplyApproximateVocabulary, testEmptyComputeAndApplyApproximateVocabulary ---

@pytest.mark.parametrize("case", _named(_cross(
    [
        dict(testcase_name="no_frequency", store_frequency=False),
        dict(testcase_name="with_frequency", store_frequency=True),
    ],
    [
        dict(testcase_name="no_reserved_tokens", reserved_tokens=None),
        dict(testcase_name="with_reserved_tokens", reserved_tokens=["A"]),
    ])))
def test_compute_and_apply_approximate_vocabulary(case, tmp_path):
  store_frequency, reserved_tokens = case["store_frequency"], case["reserved_tokens"]
  input_data = [{"x": "a"}] * 2 + [{"x": "b"}] * 3
  input_metadata = tft_unit.metadata({"x": _STRING})

  def preprocessing_fn(inputs):
    index = tft.experimental.compute_and_apply_approximate_vocabulary(
        inputs["x"], top_k=2, file_format=_VOCAB_FORMAT, store_frequency=store_frequency,
        reserved_tokens=reserved_tokens, num_oov_buckets=1)
    return {"index": index}

  offset = len(reserved_tokens) if reserved_tokens else 0
  expected_data = [{"index": offset + idx} for idx in [1] * 2 + [0] * 3 + [2]]
  _analyze_and_transform(tmp_path, input_data, input_metadata, preprocessing_fn, expected_data,
                         test_data=input_data + [{"x": "c"}])


def test_empty_compute_and_apply_approximate_vocabulary(tmp_path):
  input_data = [{"x": ""}] * 3
  input_metadata = tft_unit.metadata({"x": _STRING})

  def preprocessing_fn(inputs):
    index = tft.experimental.compute_and_apply_approximate_vocabulary(
        inputs["x"], top_k=2, file_format=_VOCAB_FORMAT, num_oov_buckets=1)
    return {"index": index}

  # Empty tokens are filtered only for the `text` format.
  expected_data = [{"index": 1 if _VOCAB_FORMAT == "text" else 0}] * 3
  _analyze_and_transform(tmp_path, input_data, input_metadata, preprocessing_fn, expected_data)


# --- testJointVocabularyForMultipleFeatures ----------------------------------------------------

def test_joint_vocabulary_for_multiple_features(tmp_path):
  input_data = [
      {"a": "hello", "b": "world", "c": "aaaaa"},
      {"a": "good", "b": "", "c": "hello"},
      {"a": "goodbye", "b": "hello", "c": "\n"},
      {"a": " ", "b": "aaaaa", "c": "bbbbb"},
  ]
  input_metadata = tft_unit.metadata({"a": _STRING, "b": _STRING, "c": _STRING})
  vocab_filename = "test_compute_and_apply_vocabulary"

  def preprocessing_fn(inputs):
    deferred_vocab_and_filename = tft.vocabulary(
        tf.concat([inputs["a"], inputs["b"], inputs["c"]], 0), vocab_filename=vocab_filename,
        file_format=_VOCAB_FORMAT)
    return {
        "index_a": tft.apply_vocabulary(inputs["a"], deferred_vocab_and_filename,
                                        file_format=_VOCAB_FORMAT),
        "index_b": tft.apply_vocabulary(inputs["b"], deferred_vocab_and_filename,
                                        file_format=_VOCAB_FORMAT),
    }

  expected_vocab = [b"hello", b"aaaaa", b"world", b"goodbye", b"good", b"bbbbb", b" ", b"\n",
                    b""]
  empty_index = len(expected_vocab) - 1
  if _VOCAB_FORMAT == "text":
    expected_vocab = expected_vocab[:-2]
    empty_index = -1
  max_index = len(expected_vocab) - 1
  expected_data = [
      # For tied frequencies, larger (lexicographic) items come first.
      {"index_a": 0, "index_b": 2},  # hello, world
      {"index_a": 4, "index_b": empty_index},  # good, ''
      {"index_a": 3, "index_b": 0},  # goodbye, hello
      {"index_a": 6, "index_b": 1},  # ' ', aaaaa
  ]
  expected_metadata = tft_unit.metadata(
      {"index_a": _INT64, "index_b": _INT64},
      {"index_a": _int_domain(-1, max_index), "index_b": _int_domain(-1, max_index)})
  _analyze_and_transform(tmp_path, input_data, input_metadata, preprocessing_fn, expected_data,
                         expected_metadata,
                         expected_vocab_file_contents={vocab_filename: expected_vocab})


# --- testComputeAndApplyVocabulary -------------------------------------------------------------

_EMPTY_VOCABULARY_PARAMS = _cross(
    [
        dict(testcase_name="_string", x_data=["a", "b"], x_feature_spec=_STRING),
        dict(testcase_name="_int64", x_data=[1, 2], x_feature_spec=_INT64),
    ],
    [
        dict(testcase_name="empty_vocabulary", index_data=[-1, -1], index_feature_spec=_INT64,
             index_domain=_int_domain(-1, 0), frequency_threshold=5),
    ])

_WHITESPACE_NEWLINES_AND_EMPTY = [b"hello", b"world", b"hello", b"hello", b"goodbye", b"world",
                                  b"aaaaa", b" ", b"", b"\n", b"hi \n ho \n", "\r"]
_HELLO_WORLD_3 = [[b"hello", b"hello", b"world"], [b"hello", b"goodbye", b"world"],
                  [b"hello", b"goodbye", b"foo"]]

# TFT's _whitespace_newlines_and_empty_strings_tfrecord and
# _whitespace_newlines_empty_oov_buckets_tfrecord cases (required_format="tfrecord_gzip") are
# skipped by the text-format class and are not here.
_COMPUTE_AND_APPLY_VOCABULARY_CASES = [
    dict(
        testcase_name="_string_feature_with_label_top_2",
        x_data=_HELLO_GOODBYE,
        x_feature_spec=_STRING,
        label_data=_HELLO_GOODBYE_LABELS,
        label_feature_spec=_INT64,
        index_data=[-1, -1, -1, 0, 1, 1, 0, 0, 1, 1, 0, 0],  # TFT's, in input order.
        index_feature_spec=_INT64,
        index_domain=_int_domain(-1, 1),
        top_k=2),
    dict(
        testcase_name="_string_feature_with_label_top_1",
        x_data=_HELLO_GOODBYE,
        x_feature_spec=_STRING,
        label_data=_HELLO_GOODBYE_LABELS,
        label_feature_spec=_INT64,
        index_data=[-1, -1, -1, 0, -1, -1, 0, 0, -1, -1, 0, 0],  # TFT's, in input order.
        index_feature_spec=_INT64,
        index_domain=_int_domain(-1, 0),
        top_k=1),
    dict(
        testcase_name="_int_feature_with_label_top_2",
        x_data=_INT_LIKE_HELLO_GOODBYE,
        x_feature_spec=_INT64,
        label_data=_HELLO_GOODBYE_LABELS,
        label_feature_spec=_INT64,
        index_data=[-1, -1, -1, 0, 1, 1, 0, 0, 1, 1, 0, 0],  # TFT's, in input order.
        index_feature_spec=_INT64,
        index_domain=_int_domain(-1, 1),
        top_k=2),
    dict(
        testcase_name="_varlen_feature",
        x_data=[[b"world", b"hello", b"hello"], [b"hello", b"world", b"foo"], [], [b"hello"]],
        x_feature_spec=_VARLEN_STRING,
        index_data=[[1, 0, 0], [0, 1, -99], [], [0]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-99, 1),
        default_value=-99,
        top_k=2),
    dict(
        testcase_name="_vector_feature",
        x_data=[[b"world", b"hello", b"hello"], [b"hello", b"world", b"moo"],
                [b"hello", b"hello", b"foo"], [b"world", b"foo", b"moo"]],
        x_feature_spec=tf.io.FixedLenFeature([3], tf.string),
        index_data=[[1, 0, 0], [0, 1, -99], [0, 0, -99], [1, -99, -99]],
        index_feature_spec=tf.io.FixedLenFeature([3], tf.int64),
        index_domain=_int_domain(-99, 1),
        default_value=-99,
        top_k=2),
    dict(
        testcase_name="_varlen_feature_with_labels",
        x_data=[[b"hello", b"world", b"bye", b"moo"], [b"world", b"moo", b"foo"],
                [b"hello", b"foo", b"moo"], [b"moo"]],
        x_feature_spec=_VARLEN_STRING,
        label_data=[1, 0, 1, 0],
        label_feature_spec=_INT64,
        index_data=[[0, -99, 1, -99], [-99, -99, -99], [0, -99, -99], [-99]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-99, 1),
        default_value=-99,
        top_k=2),
    dict(
        testcase_name="_vector_feature_with_labels",
        x_data=[[b"world", b"hello", b"hi"], [b"hello", b"world", b"moo"],
                [b"hello", b"bye", b"foo"], [b"world", b"foo", b"moo"]],
        x_feature_spec=tf.io.FixedLenFeature([3], tf.string),
        label_data=[1, 0, 1, 0],
        label_feature_spec=_INT64,
        index_data=[[-99, -99, 1], [-99, -99, 0], [-99, -99, -99], [-99, -99, 0]],
        index_feature_spec=tf.io.FixedLenFeature([3], tf.int64),
        index_domain=_int_domain(-99, 1),
        default_value=-99,
        top_k=2),
    dict(
        testcase_name="_varlen_integer_feature_with_labels",
        x_data=[[0, 1, 3, 2], [1, 2, 4], [0, 4, 2], [2]],
        x_feature_spec=_VARLEN_INT64,
        label_data=[1, 0, 1, 0],
        label_feature_spec=_INT64,
        index_data=[[0, -99, 1, -99], [-99, -99, -99], [0, -99, -99], [-99]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-99, 1),
        default_value=-99,
        top_k=2),
    dict(
        testcase_name="_varlen_feature_with_some_empty_feature_values",
        x_data=[[b"world", b"hello", b"hi", b"moo"], [], [b"world", b"hello", b"foo"], []],
        x_feature_spec=_VARLEN_STRING,
        label_data=[1, 0, 1, 0],
        label_feature_spec=_INT64,
        index_data=[[0, 1, -99, -99], [], [0, 1, -99], []],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-99, 1),
        default_value=-99,
        top_k=2),
    dict(
        testcase_name="_varlen_with_multiclass_labels",
        x_data=[[1, 2, 3, 5], [1, 4, 5], [1, 2], [1, 2], [1, 3, 5], [1, 4, 3], [1, 3]],
        x_feature_spec=_VARLEN_INT64,
        label_data=[1, 0, 1, 1, 4, 5, 4],
        label_feature_spec=_INT64,
        index_data=[[-1, 0, 2, 3], [-1, 1, 3], [-1, 0], [-1, 0], [-1, 2, 3], [-1, 1, 2],
                    [-1, 2]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-1, 3),
        top_k=4),
    dict(
        testcase_name="_labels_and_weights",
        x_data=_HELLO_GOODBYE,
        x_feature_spec=_STRING,
        label_data=_HELLO_GOODBYE_LABELS,
        label_feature_spec=_INT64,
        weight_data=_HELLO_GOODBYE_WEIGHTS,
        weight_feature_spec=_FLOAT32,
        index_data=[2, 2, 2, 1, 0, 0, 1, 1, 0, 0, 1, 1],
        index_feature_spec=_INT64,
        index_domain=_int_domain(-1, 2)),
    dict(
        testcase_name="_string_feature_with_weights",
        x_data=[b"hello", b"world", b"goodbye", b"aaaaa", b"aaaaa", b"goodbye"],
        x_feature_spec=_STRING,
        weight_data=[1.0, 0.5, 1.0, 0.26, 0.25, 1.5],
        weight_feature_spec=_FLOAT32,
        index_data=[1, 3, 0, 2, 2, 0],
        index_feature_spec=_INT64,
        index_domain=_int_domain(-1, 3)),
    dict(
        testcase_name="_int64_feature_with_weights",
        x_data=[2, 1, 3, 4, 4, 3],
        x_feature_spec=_INT64,
        weight_data=[1.0, 0.5, 1.0, 0.26, 0.25, 1.5],
        weight_feature_spec=_FLOAT32,
        index_data=[1, 3, 0, 2, 2, 0],
        index_feature_spec=_INT64,
        index_domain=_int_domain(-1, 3)),
    dict(
        testcase_name="_whitespace_newlines_and_empty_strings_text",
        x_data=_WHITESPACE_NEWLINES_AND_EMPTY,
        x_feature_spec=_STRING,
        # The empty string and strings containing newlines map to default value because the
        # vocab cannot contain them.
        index_data=[0, 1, 0, 0, 2, 1, 3, 4, -1, -1, -1, -1],
        index_feature_spec=_INT64,
        index_domain=_int_domain(-1, 4),
        vocab_filename="my_vocab",
        expected_vocab_file_contents={
            "my_vocab": [b"hello", b"world", b"goodbye", b"aaaaa", b" "]},
        required_format="text"),
    dict(
        testcase_name="_whitespace_newlines_empty_oov_buckets_text",
        x_data=_WHITESPACE_NEWLINES_AND_EMPTY,
        x_feature_spec=_STRING,
        index_data=[0, 1, 0, 0, 2, 1, 3, 4, 5, 5, 5, 5],
        index_feature_spec=_INT64,
        index_domain=_int_domain(0, 5),
        num_oov_buckets=1,
        vocab_filename="my_vocab",
        expected_vocab_file_contents={
            "my_vocab": [b"hello", b"world", b"goodbye", b"aaaaa", b" "]},
        required_format="text"),
    dict(
        testcase_name="_positive_and_negative_integers",
        x_data=[13, 14, 13, 13, 12, 14, 11, 10, 10, -10, -10, -20],
        x_feature_spec=_INT64,
        index_data=[0, 1, 0, 0, 4, 1, 5, 2, 2, 3, 3, 6],
        index_feature_spec=_INT64,
        index_domain=_int_domain(-1, 6),
        vocab_filename="my_vocab",
        expected_vocab_file_contents={
            "my_vocab": [b"13", b"14", b"10", b"-10", b"12", b"11", b"-20"]}),
    dict(
        testcase_name="_rank_2",
        x_data=[[[b"some", b"say"], [b"the", b"world"]], [[b"will", b"end"], [b"in", b"fire"]],
                [[b"some", b"say"], [b"in", b"ice"]]],
        x_feature_spec=tf.io.FixedLenFeature([2, 2], tf.string),
        index_data=[[[0, 1], [5, 3]], [[4, 8], [2, 7]], [[0, 1], [2, 6]]],
        index_feature_spec=tf.io.FixedLenFeature([2, 2], tf.int64),
        index_domain=_int_domain(-1, 8)),
    dict(
        testcase_name="_top_k",
        x_data=_HELLO_WORLD_3,
        x_feature_spec=_VARLEN_STRING,
        index_data=[[0, 0, 1], [0, -99, 1], [0, -99, -99]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-99, 1),
        default_value=-99,
        top_k=2),
    dict(
        testcase_name="_top_k_specified_as_str",
        x_data=_HELLO_WORLD_3,
        x_feature_spec=_VARLEN_STRING,
        index_data=[[0, 0, 1], [0, -9, 1], [0, -9, -9]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-9, 1),
        default_value=-9,
        top_k="2"),
    dict(
        testcase_name="_frequency_threshold",
        x_data=_HELLO_WORLD_3,
        x_feature_spec=_VARLEN_STRING,
        index_data=[[0, 0, 1], [0, 2, 1], [0, 2, -99]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-99, 2),
        default_value=-99,
        frequency_threshold=2),
    dict(
        testcase_name="_frequency_threshold_specified_with_str",
        x_data=_HELLO_WORLD_3,
        x_feature_spec=_VARLEN_STRING,
        index_data=[[0, 0, 1], [0, 2, 1], [0, 2, -9]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-9, 2),
        default_value=-9,
        frequency_threshold="2"),
    dict(
        testcase_name="_empty_vocabulary_from_high_frequency_threshold",
        x_data=_HELLO_WORLD_3,
        x_feature_spec=_VARLEN_STRING,
        index_data=[[-99, -99, -99], [-99, -99, -99], [-99, -99, -99]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-99, 0),
        default_value=-99,
        frequency_threshold=77),
    dict(
        testcase_name="_top_k_and_oov",
        x_data=[[b"hello", b"hello", b"world", b"world"], [b"hello", b"tarkus", b"toccata"],
                [b"hello", b"goodbye", b"foo"]],
        x_feature_spec=_VARLEN_STRING,
        # Generated vocab (ordered by frequency, then value) should be:
        # ["hello", "world", "goodbye", "foo", "tarkus", "toccata"]. After applying top_k=1
        # this becomes ["hello"] plus three OOV buckets. The specific output values here
        # depend on the hash of the words, and the test will break if the hash changes.
        index_data=[[0, 0, 2, 2], [0, 3, 1], [0, 2, 1]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(0, 3),
        default_value=-99,
        top_k=1,
        num_oov_buckets=3),
    dict(
        testcase_name="_key_fn",
        x_data=[["a_X_1", "a_X_1", "a_X_2", "b_X_1", "b_X_2"],
                ["a_X_1", "a_X_1", "a_X_2", "a_X_2"], ["b_X_2"]],
        x_feature_spec=_VARLEN_STRING,
        index_data=[[0, 0, 1, -99, 2], [0, 0, 1, 1], [2]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-99, 2),
        coverage_top_k=1,
        default_value=-99,
        key_fn=lambda s: s.split(b"_X_")[0],
        frequency_threshold=3),
    dict(
        testcase_name="_key_fn_and_multi_coverage_top_k",
        x_data=[["a_X_1", "a_X_1", "a_X_2", "b_X_1", "b_X_2"],
                ["a_X_1", "a_X_1", "a_X_2", "a_X_2", "a_X_3"], ["b_X_2"]],
        x_feature_spec=_VARLEN_STRING,
        index_data=[[0, 0, 1, 3, 2], [0, 0, 1, 1, -99], [2]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-99, 3),
        coverage_top_k=2,
        default_value=-99,
        key_fn=lambda s: s.split(b"_X_")[0],
        frequency_threshold=300),
    dict(
        testcase_name="_key_fn_and_top_k",
        x_data=[["a_X_1", "a_X_1", "a_X_2", "b_X_1", "b_X_2"],
                ["a_X_1", "a_X_1", "a_X_2", "a_X_2"],
                ["b_X_2", "b_X_2", "b_X_2", "b_X_2", "c_X_1"]],
        x_feature_spec=_VARLEN_STRING,
        index_data=[[1, 1, -99, -99, 0], [1, 1, -99, -99], [0, 0, 0, 0, 2]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-99, 2),
        coverage_top_k=1,
        default_value=-99,
        key_fn=lambda s: s.split(b"_X_")[0],
        top_k=2),
    dict(
        testcase_name="_key_fn_multi_coverage_top_k",
        x_data=[["0_X_a", "0_X_a", "5_X_a", "6_X_a", "6_X_a", "0_X_a"],
                ["0_X_a", "2_X_a", "2_X_a", "2_X_a", "0_X_a", "5_X_a"],
                ["1_X_b", "1_X_b", "3_X_b", "3_X_b", "0_X_b", "1_X_b", "1_X_b"]],
        x_feature_spec=_VARLEN_STRING,
        index_data=[[0, 0, -99, -99, -99, 0], [0, 2, 2, 2, 0, -99], [1, 1, 3, 3, -99, 1, 1]],
        index_feature_spec=_VARLEN_INT64,
        index_domain=_int_domain(-99, 3),
        coverage_top_k=2,
        default_value=-99,
        key_fn=lambda s: s.split(b"_X_")[1],
        frequency_threshold=4),
    dict(
        testcase_name="_key_fn_and_labels",
        x_data=["aaa", "aaa", "aaa", "aab", "aba", "aba", "aab", "aab", "aba", "abc", "abc",
                "aab"],
        x_feature_spec=_STRING,
        label_data=[1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0],
        label_feature_spec=_INT64,
        index_data=[0, 0, 0, -1, -1, -1, -1, -1, -1, 1, 1, -1],
        index_feature_spec=_INT64,
        index_domain=_int_domain(-1, 1),
        coverage_top_k=1,
        key_fn=lambda s: s[:2],
        frequency_threshold=3),
    dict(
        testcase_name="_key_fn_and_weights",
        x_data=["xa", "xa", "xb", "ya", "yb", "yc"],
        x_feature_spec=_STRING,
        weight_data=[1.0, 0.5, 3.0, 0.6, 0.25, 0.5],
        weight_feature_spec=_FLOAT32,
        index_data=[1, 1, 0, -1, -1, -1],
        index_feature_spec=_INT64,
        index_domain=_int_domain(-1, 1),
        coverage_top_k=1,
        key_fn=lambda s: s[0],
        frequency_threshold=1.5,
        coverage_frequency_threshold=1),
] + _EMPTY_VOCABULARY_PARAMS


@pytest.mark.parametrize("case", _named(_COMPUTE_AND_APPLY_VOCABULARY_CASES))
def test_compute_and_apply_vocabulary(case, tmp_path):
  """tft.compute_and_apply_vocabulary with various inputs (TFT's testComputeAndApplyVocabulary)."""
  assert case.get("required_format") in (None, _VOCAB_FORMAT)
  input_data = [{"x": x} for x in case["x_data"]]
  input_feature_spec = {"x": case["x_feature_spec"]}
  expected_data = [{"index": index} for index in case["index_data"]]
  _add_labels_and_weights(case, input_data, input_feature_spec)
  input_metadata = tft_unit.metadata(input_feature_spec)
  expected_metadata = tft_unit.metadata({"index": case["index_feature_spec"]},
                                        {"index": case["index_domain"]})
  kwargs = _kwargs(case)

  def preprocessing_fn(inputs):
    x = inputs["x"]
    labels = inputs.get("label")
    weights = inputs.get("weights")
    index = tft.compute_and_apply_vocabulary(x, labels=labels, weights=weights,
                                             file_format=_VOCAB_FORMAT, **kwargs)
    return {"index": index}

  _analyze_and_transform(
      tmp_path, input_data, input_metadata, preprocessing_fn, expected_data, expected_metadata,
      expected_vocab_file_contents=case.get("expected_vocab_file_contents"))


# --- testCompositeComputeAndApplyVocabulary ----------------------------------------------------

_COMPOSITE_COMPUTE_AND_APPLY_VOCABULARY_CASES = [
    dict(
        testcase_name="sparse",
        input_data=[
            {"val": ["hello"], "idx0": [0], "idx1": [0]},
            {"val": ["world"], "idx0": [1], "idx1": [1]},
            {"val": ["hello", "goodbye"], "idx0": [0, 1], "idx1": [1, 2]},
            {"val": ["hello", "goodbye", " "], "idx0": [0, 1, 1], "idx1": [0, 1, 2]},
        ],
        input_feature_spec={"x": tf.io.SparseFeature(["idx0", "idx1"], "val", tf.string,
                                                     [2, 3])},
        expected_data=[
            {"index$sparse_indices_0": [0], "index$sparse_indices_1": [0],
             "index$sparse_values": [0]},
            {"index$sparse_indices_0": [1], "index$sparse_indices_1": [1],
             "index$sparse_values": [2]},
            {"index$sparse_indices_0": [0, 1], "index$sparse_indices_1": [1, 2],
             "index$sparse_values": [0, 1]},
            {"index$sparse_indices_0": [0, 1, 1], "index$sparse_indices_1": [0, 1, 2],
             "index$sparse_values": [0, 1, 3]},
        ],
        expected_vocab_contents={b"hello": 3, b"goodbye": 2, b"world": 1, b" ": 1}),
    dict(
        testcase_name="ragged",
        input_data=[
            {"val": ["hello", " "], "row_lengths": [1, 0, 1]},
            {"val": ["world"], "row_lengths": [0, 1]},
            {"val": ["hello", "goodbye"], "row_lengths": [2, 0, 0]},
            {"val": ["hello", "goodbye", " "], "row_lengths": [0, 2, 1]},
        ],
        input_feature_spec={"x": tf.io.RaggedFeature(
            tf.string, value_key="val",
            partitions=[tf.io.RaggedFeature.RowLengths("row_lengths")])},
        expected_data=[
            {"index$ragged_values": [0, 2], "index$row_lengths_1": [1, 0, 1]},
            {"index$ragged_values": [3], "index$row_lengths_1": [0, 1]},
            {"index$ragged_values": [0, 1], "index$row_lengths_1": [2, 0, 0]},
            {"index$ragged_values": [0, 1, 2], "index$row_lengths_1": [0, 2, 1]},
        ],
        expected_vocab_contents={b"hello": 3, b"goodbye": 2, b" ": 2, b"world": 1}),
]


@pytest.mark.parametrize("case", _named(_cross(
    _COMPOSITE_COMPUTE_AND_APPLY_VOCABULARY_CASES,
    [
        dict(testcase_name="no_frequency", store_frequency=False),
        dict(testcase_name="with_frequency", store_frequency=True),
    ])))
def test_composite_compute_and_apply_vocabulary(case, tmp_path):
  store_frequency = case["store_frequency"]

  def preprocessing_fn(inputs):
    index = tft.compute_and_apply_vocabulary(inputs["x"], file_format=_VOCAB_FORMAT,
                                             store_frequency=store_frequency,
                                             vocab_filename="my_vocab")
    return {"index": index}

  if store_frequency:
    def format_pair(t, c):
      t = t.decode("utf-8")
      suffix = " " + t if t != " " or _VOCAB_FORMAT != "text" else " __SPACE__"
      return f"{c}{suffix}"
    contents = [format_pair(t, c).encode("utf-8")
                for t, c in case["expected_vocab_contents"].items()]
  else:
    contents = list(case["expected_vocab_contents"])

  _analyze_and_transform(tmp_path, case["input_data"],
                         tft_unit.metadata(case["input_feature_spec"]), preprocessing_fn,
                         case["expected_data"],
                         expected_vocab_file_contents={"my_vocab": contents})


# --- testCreateVocabWithFrequency --------------------------------------------------------------

def test_create_vocab_with_frequency(tmp_path):
  """How to use the vocabulary frequency in the transform function."""
  input_data = [
      {"a": "hello", "b": "world", "c": "aaaaa"},
      {"a": "good", "b": "", "c": "hello"},
      {"a": "goodbye", "b": "hello", "c": "\n"},
      {"a": "_", "b": "aaaaa", "c": "bbbbb"},
  ]
  input_metadata = tft_unit.metadata({"a": _STRING, "b": _STRING, "c": _STRING})
  vocab_filename = "test_vocab_with_frequency"

  def preprocessing_fn(inputs):
    deferred_vocab_and_filename = tft.vocabulary(
        tf.concat([inputs["a"], inputs["b"], inputs["c"]], 0), vocab_filename=vocab_filename,
        store_frequency=True, file_format=_VOCAB_FORMAT)

    def _make_table_initializer(filename_tensor, is_frequency_value):
      # The text format's initializer (TFT's tfrecord_gzip branch is for its other class).
      return tf.lookup.TextFileInitializer(
          filename=filename_tensor, key_dtype=tf.string, key_index=1, value_dtype=tf.int64,
          value_index=0 if is_frequency_value else tf.lookup.TextFileIndex.LINE_NUMBER,
          delimiter=" ")

    def _apply_vocab(y, deferred_vocab_filename_tensor):
      initializer = _make_table_initializer(deferred_vocab_filename_tensor, False)
      table = tf.lookup.StaticHashTable(initializer, default_value=-1)
      table_size = table.size()
      return table.lookup(y), table_size

    def _apply_frequency(y, deferred_vocab_filename_tensor):
      initializer = _make_table_initializer(deferred_vocab_filename_tensor, True)
      table = tf.lookup.StaticHashTable(initializer, default_value=-1)
      return table.lookup(y), table.size()

    return {
        "index_a": tft.apply_vocabulary(inputs["a"], deferred_vocab_and_filename,
                                        lookup_fn=_apply_vocab, file_format=_VOCAB_FORMAT),
        "frequency_a": tft.apply_vocabulary(inputs["a"], deferred_vocab_and_filename,
                                            lookup_fn=_apply_frequency,
                                            file_format=_VOCAB_FORMAT),
        "index_b": tft.apply_vocabulary(inputs["b"], deferred_vocab_and_filename,
                                        lookup_fn=_apply_vocab, file_format=_VOCAB_FORMAT),
        "frequency_b": tft.apply_vocabulary(inputs["b"], deferred_vocab_and_filename,
                                            lookup_fn=_apply_frequency,
                                            file_format=_VOCAB_FORMAT),
    }

  expected_vocab = [(b"hello", 3), (b"aaaaa", 2), (b"world", 1), (b"goodbye", 1), (b"good", 1),
                    (b"bbbbb", 1), (b"_", 1), (b"\n", 1), (b"", 1)]
  if _VOCAB_FORMAT == "text":
    expected_vocab = expected_vocab[:-2]
    empty_index = -1
    empty_frequency = -1
  else:
    empty_index = 8
    empty_frequency = 1
  expected_data = [
      # For tied frequencies, larger (lexicographic) items come first.
      {"index_a": 0, "frequency_a": 3, "index_b": 2, "frequency_b": 1},
      {"index_a": 4, "frequency_a": 1, "index_b": empty_index, "frequency_b": empty_frequency},
      {"index_a": 3, "frequency_a": 1, "index_b": 0, "frequency_b": 3},
      {"index_a": 6, "frequency_a": 1, "index_b": 1, "frequency_b": 2},
  ]
  size = len(expected_vocab) - 1
  expected_metadata = tft_unit.metadata(
      {"index_a": _INT64, "index_b": _INT64, "frequency_a": _INT64, "frequency_b": _INT64},
      {"index_a": _int_domain(-1, size), "index_b": _int_domain(-1, size),
       "frequency_a": _int_domain(-1, size), "frequency_b": _int_domain(-1, size)})
  _analyze_and_transform(tmp_path, input_data, input_metadata, preprocessing_fn, expected_data,
                         expected_metadata,
                         expected_vocab_file_contents={vocab_filename: expected_vocab})


# --- testVocabularyAnalyzerWithTokenization ----------------------------------------------------

def test_vocabulary_analyzer_with_tokenization(tmp_path):
  def preprocessing_fn(inputs):
    return {"index": tft.compute_and_apply_vocabulary(
        tf.compat.v1.strings.split(inputs["a"]), file_format=_VOCAB_FORMAT,
        vocab_filename="my_vocab")}

  input_data = [{"a": "hello hello world"}, {"a": "hello goodbye world"}]
  input_metadata = tft_unit.metadata({"a": _STRING})
  expected_data = [{"index": [0, 0, 1]}, {"index": [0, 2, 1]}]
  expected_metadata = tft_unit.metadata({"index": _VARLEN_INT64},
                                        {"index": _int_domain(-1, 2)})
  _analyze_and_transform(tmp_path, input_data, input_metadata, preprocessing_fn, expected_data,
                         expected_metadata=expected_metadata,
                         expected_vocab_file_contents={
                             "my_vocab": [b"hello", b"world", b"goodbye"]})


# --- testVocabularyWithFrequency, testVocabularyWithKeyFnAndFrequency, ...Annotations ----------
# TFT runs these through Beam's AnalyzeDataset and WriteTransformFn and reads the result with
# TFTransformOutput; here tft.analyze_dataset (through the harness) gives the TransformOutput.


def _assert_assets_dir(output):
  assert os.path.isdir(os.path.join(output.transform_savedmodel_dir,
                                    tf.saved_model.ASSETS_DIRECTORY))


def test_vocabulary_with_frequency(tmp_path):
  outfile = "vocabulary_with_frequency"

  def preprocessing_fn(inputs):
    # Force the analyzer to be executed, and store the frequency file as a side-effect.
    _ = tft.vocabulary(inputs["a"], vocab_filename=outfile, store_frequency=True,
                       file_format=_VOCAB_FORMAT)
    _ = tft.vocabulary(inputs["a"], store_frequency=True, file_format=_VOCAB_FORMAT)
    _ = tft.vocabulary(inputs["b"], store_frequency=True, file_format=_VOCAB_FORMAT)
    # The following must not produce frequency output, just the vocab words.
    _ = tft.vocabulary(inputs["b"], file_format=_VOCAB_FORMAT)
    a_int = tft.compute_and_apply_vocabulary(inputs["a"], file_format=_VOCAB_FORMAT)
    # Return input unchanged, this preprocessing_fn is a no-op except for computing uniques.
    return {"a_int": a_int}

  input_metadata = tft_unit.metadata({"a": _STRING, "b": _STRING})
  input_data = [{"a": "hello", "b": "hi"}, {"a": "world", "b": "ho ho"},
                {"a": "hello", "b": "ho ho"}]
  tft_output = _analyze(input_data, input_metadata, preprocessing_fn, tmp_path)
  _assert_assets_dir(tft_output)
  assert tft_output.vocabulary_by_name(outfile) == [b"2 hello", b"1 world"]
  assert tft_output.vocabulary_by_name("vocab_frequency_vocabulary_1") == [b"2 hello",
                                                                           b"1 world"]
  assert tft_output.vocabulary_by_name("vocab_frequency_vocabulary_2") == [b"2 ho ho", b"1 hi"]
  assert tft_output.vocabulary_by_name("vocab_vocabulary_3") == [b"ho ho", b"hi"]
  assert tft_output.vocabulary_by_name("vocab_compute_and_apply_vocabulary_vocabulary") == [
      b"hello", b"world"]


def test_vocabulary_with_key_fn_and_frequency(tmp_path):
  def key_fn(string):
    return string.split(b"_X_")[1]

  outfile = "vocabulary_with_frequency"

  def preprocessing_fn(inputs):
    # Force the analyzer to be executed, and store the frequency file as a side-effect.
    _ = tft.vocabulary(tf.compat.v1.strings.split(inputs["a"]), coverage_top_k=1,
                       key_fn=key_fn, frequency_threshold=4, vocab_filename=outfile,
                       store_frequency=True, file_format=_VOCAB_FORMAT)
    _ = tft.vocabulary(tf.compat.v1.strings.split(inputs["a"]), coverage_top_k=1,
                       key_fn=key_fn, frequency_threshold=4, store_frequency=True,
                       file_format=_VOCAB_FORMAT)
    a_int = tft.compute_and_apply_vocabulary(
        tf.compat.v1.strings.split(inputs["a"]), coverage_top_k=1, key_fn=key_fn,
        frequency_threshold=4, store_frequency=True, file_format=_VOCAB_FORMAT)
    # Return input unchanged, this preprocessing_fn is a no-op except for computing uniques.
    return {"a_int": a_int}

  input_metadata = tft_unit.metadata({"a": _STRING})
  input_data = [{"a": "1_X_a 1_X_a 2_X_a 1_X_b 2_X_b"}, {"a": "1_X_a 1_X_a 2_X_a 2_X_a"},
                {"a": "2_X_b 3_X_c 4_X_c"}]
  tft_output = _analyze(input_data, input_metadata, preprocessing_fn, tmp_path)
  _assert_assets_dir(tft_output)
  assert tft_output.vocabulary_by_name(outfile) == [b"4 1_X_a", b"2 2_X_b", b"1 4_X_c"]


def test_vocabulary_annotations(tmp_path):
  outfile = "vocab.file"
  # Sanitization of vocabulary file names replaces '.' with '_'.
  annotation_file = "vocab_file"
  if _VOCAB_FORMAT == "tfrecord_gzip":
    annotation_file = "{}.tfrecord.gz".format(annotation_file)

  def preprocessing_fn(inputs):
    _ = tft.vocabulary(inputs["a"], vocab_filename=outfile, file_format=_VOCAB_FORMAT)
    tft.annotate_asset("key_1", annotation_file)
    return inputs

  input_metadata = tft_unit.metadata({"a": _STRING})
  input_data = [{"a": "hello"}, {"a": "world"}, {"a": "hello"}]
  tft_output = _analyze(input_data, input_metadata, preprocessing_fn, tmp_path)
  # TFT: the transform_fn's asset_map is {"key_1": annotation_file, outfile: annotation_file};
  # TFTransformOutput resolves vocabulary names through it.
  for name in ("key_1", outfile):
    assert os.path.basename(tft_output.vocabulary_file_by_name(name)) == annotation_file
  _assert_assets_dir(tft_output)
  assert tft_output.vocabulary_by_name("key_1") == [b"hello", b"world"]


# --- testVocabularyPreSort ---------------------------------------------------------------------

def test_vocabulary_pre_sort(tmp_path):
  # TFT runs this with analyzer_impls._PRESORT_BATCH_SIZE patched to 2 (a Beam-internal
  # batching constant, without effect on the result); the case is its public part.
  input_data = [dict(x=x) for x in [b"foo", b"hello", b"aaaaa", b"goodbye", b"bar", b"hello",
                                    b"goodbye", b"hello", b"hello", b"goodbye", b"aaaaa"]]
  input_metadata = tft_unit.metadata({"x": _STRING})
  expected_vocab_file_contents = [(b"hello", 4), (b"goodbye", 3), (b"aaaaa", 2), (b"foo", 1),
                                  (b"bar", 1)]

  def preprocessing_fn(inputs):
    tft.vocabulary(inputs["x"], vocab_filename="my_vocab", file_format=_VOCAB_FORMAT,
                   store_frequency=True)
    return inputs

  _analyze_and_transform(tmp_path, input_data, input_metadata, preprocessing_fn, input_data,
                         input_metadata,
                         expected_vocab_file_contents={"my_vocab": expected_vocab_file_contents})


# --- Vocabularies feeding a second analyzer ----------------------------------------------------

_BAR_FOO = [dict(x=x) for x in [b"bar", b"foo", b"bar", b"bar", b"foo"]]


def test_vocabulary_with_user_defined_lookup_fn_feeds_second_analyzer(tmp_path):
  input_metadata = tft_unit.metadata({"x": _STRING})
  # TFT lists these rows sorted (bar, bar, bar, foo, foo); here in input order.
  expected_data = [
      dict(x=b"bar", x_int=0, x_int_mean=0.4),
      dict(x=b"foo", x_int=1, x_int_mean=0.4),
      dict(x=b"bar", x_int=0, x_int_mean=0.4),
      dict(x=b"bar", x_int=0, x_int_mean=0.4),
      dict(x=b"foo", x_int=1, x_int_mean=0.4),
  ]
  expected_vocab_file_contents = [(b"bar"), (b"foo")]
  size = len(expected_vocab_file_contents) - 1
  expected_metadata = tft_unit.metadata(
      {"x": _STRING, "x_int": _INT64, "x_int_mean": _FLOAT32},
      domains={"x_int": _int_domain(-1, size)})

  def preprocessing_fn(inputs):
    def _make_table_initializer(filename_tensor):
      # The text format's initializer (TFT's tfrecord_gzip branch is for its other class).
      return tf.lookup.TextFileInitializer(
          filename=filename_tensor, key_dtype=tf.string,
          key_index=tf.lookup.TextFileIndex.WHOLE_LINE, value_dtype=tf.int64,
          value_index=tf.lookup.TextFileIndex.LINE_NUMBER)

    def _apply_vocab(y, deferred_vocab_filename_tensor):
      initializer = _make_table_initializer(deferred_vocab_filename_tensor)
      table = tf.lookup.StaticHashTable(initializer, default_value=-1)
      table_size = table.size()
      return table.lookup(y), table_size

    deferred_vocab_and_filename = tft.vocabulary(inputs["x"], vocab_filename="my_vocab",
                                                 file_format=_VOCAB_FORMAT)
    x_int = tft.apply_vocabulary(inputs["x"], deferred_vocab_and_filename,
                                 lookup_fn=_apply_vocab, file_format=_VOCAB_FORMAT)
    x_int_mean = tf.zeros_like(x_int, dtype=tf.float32) + tft.mean(x_int)
    return {"x": inputs["x"], "x_int": x_int, "x_int_mean": x_int_mean}

  _analyze_and_transform(tmp_path, _BAR_FOO, input_metadata, preprocessing_fn, expected_data,
                         expected_metadata,
                         expected_vocab_file_contents={"my_vocab": expected_vocab_file_contents})


def test_vocabulary_with_table_defined_in_preprocessing_fn_feeds_second_analyzer(tmp_path):
  input_metadata = tft_unit.metadata({"x": _STRING})
  # TFT lists these rows sorted (bar, bar, bar, foo, foo); here in input order.
  expected_data = [
      dict(x=b"bar", x_int=0, x_int_mean=0.4),
      dict(x=b"foo", x_int=1, x_int_mean=0.4),
      dict(x=b"bar", x_int=0, x_int_mean=0.4),
      dict(x=b"bar", x_int=0, x_int_mean=0.4),
      dict(x=b"foo", x_int=1, x_int_mean=0.4),
  ]
  expected_metadata = tft_unit.metadata({"x": _STRING, "x_int": _INT64, "x_int_mean": _FLOAT32})
  expected_vocab_file_contents = [(b"bar"), (b"foo")]

  def preprocessing_fn(inputs):
    vocab_path = tft.vocabulary(inputs["x"], vocab_filename="my_vocab",
                                file_format=_VOCAB_FORMAT)
    initializer = tf.lookup.TextFileInitializer(
        vocab_path, key_dtype=tf.string, key_index=tf.lookup.TextFileIndex.WHOLE_LINE,
        value_dtype=tf.int64, value_index=tf.lookup.TextFileIndex.LINE_NUMBER)
    table = tf.lookup.StaticHashTable(initializer, default_value=-1)
    x_int = table.lookup(inputs["x"])
    x_int_mean = tf.zeros_like(x_int, dtype=tf.float32) + tft.mean(x_int)
    return {"x": inputs["x"], "x_int": x_int, "x_int_mean": x_int_mean}

  _analyze_and_transform(tmp_path, _BAR_FOO, input_metadata, preprocessing_fn, expected_data,
                         expected_metadata,
                         expected_vocab_file_contents={"my_vocab": expected_vocab_file_contents})


# --- testStringOpsWithAutomaticControlDependencies ---------------------------------------------

def test_string_ops_with_automatic_control_dependencies(tmp_path):
  def preprocessing_fn(inputs):
    month_str = tf.strings.substr(inputs["date"], pos=5, len=3, unit="UTF8_CHAR")
    # The table created here will add an automatic control dependency.
    month_int = tft.compute_and_apply_vocabulary(month_str)
    return {"month_int": month_int}

  input_data = [{"date": "2021-May-31"}, {"date": "2021-Jun-01"}]
  input_metadata = tft_unit.metadata({"date": _STRING})
  expected_data = [{"month_int": 0}, {"month_int": 1}]
  max_index = len(expected_data) - 1
  expected_metadata = tft_unit.metadata({"month_int": _INT64},
                                        {"month_int": _int_domain(-1, max_index)})
  _analyze_and_transform(tmp_path, input_data, input_metadata, preprocessing_fn, expected_data,
                         expected_metadata)


# --- testVocabularyOneHotEncoding --------------------------------------------------------------

def test_vocabulary_one_hot_encoding(tmp_path):
  input_metadata = tft_unit.metadata({"x": _STRING})
  # TFT lists these rows sorted (bar, bar, bar, foo, foo); here in input order.
  expected_data = [
      dict(x=b"bar", x_encoded=[1], x_encoded_centered=[0.4]),
      dict(x=b"foo", x_encoded=[0], x_encoded_centered=[-0.6]),
      dict(x=b"bar", x_encoded=[1], x_encoded_centered=[0.4]),
      dict(x=b"bar", x_encoded=[1], x_encoded_centered=[0.4]),
      dict(x=b"foo", x_encoded=[0], x_encoded_centered=[-0.6]),
  ]
  expected_metadata = tft_unit.metadata({
      "x": _STRING,
      "x_encoded": tf.io.FixedLenFeature([1], tf.int64),
      "x_encoded_centered": tf.io.FixedLenFeature([1], tf.float32),
  })
  expected_vocab_file_contents = [(b"bar")]

  def preprocessing_fn(inputs):
    x_int = tft.compute_and_apply_vocabulary(inputs["x"], vocab_filename="my_vocab",
                                             file_format=_VOCAB_FORMAT, frequency_threshold=3)
    depth = tft.experimental.get_vocabulary_size_by_name("my_vocab")
    x_encoded = tf.one_hot(x_int, depth=tf.cast(depth, tf.int32), dtype=tf.int64)
    # Add a second phase that depends on vocabulary size.
    x_encoded_centered = tf.cast(x_encoded, dtype=tf.float32) - tft.mean(x_encoded)
    return {"x": inputs["x"], "x_encoded": x_encoded, "x_encoded_centered": x_encoded_centered}

  _analyze_and_transform(tmp_path, _BAR_FOO, input_metadata, preprocessing_fn, expected_data,
                         expected_metadata,
                         expected_vocab_file_contents={"my_vocab": expected_vocab_file_contents})


# --- testVocabularyReservedTokens --------------------------------------------------------------

def test_vocabulary_reserved_tokens(tmp_path):
  """tft.vocabulary with reserved tokens."""
  x_data = ["hello", "world", "world", "42", "42", "42", "a"]
  input_data = [{"x": x} for x in x_data]
  input_metadata = tft_unit.metadata({"x": _STRING})
  reserved_tokens = ["a", "b", "c"]

  def preprocessing_fn(inputs):
    tft.vocabulary(inputs["x"], vocab_filename="my_vocab", file_format=_VOCAB_FORMAT,
                   store_frequency=True, reserved_tokens=reserved_tokens)
    tft.compute_and_apply_vocabulary(inputs["x"], vocab_filename="reserved_tokens_tensor",
                                     file_format=_VOCAB_FORMAT, store_frequency=True, top_k=20,
                                     reserved_tokens=tf.constant(reserved_tokens))
    tft.vocabulary(inputs["x"], vocab_filename="sanity", file_format=_VOCAB_FORMAT)
    outputs = inputs.copy()
    shape = tf.shape(inputs["x"])
    outputs["my_vocab_size"] = tf.broadcast_to(
        tft.experimental.get_vocabulary_size_by_name("my_vocab"), shape)
    outputs["reserved_tokens_tensor_size"] = tf.broadcast_to(
        tft.experimental.get_vocabulary_size_by_name("reserved_tokens_tensor"), shape)
    outputs["sanity_size"] = tf.broadcast_to(
        tft.experimental.get_vocabulary_size_by_name("sanity"), shape)
    return outputs

  expected_vocab_content_from_data = [("42", 3), ("world", 2), ("hello", 1)]
  expected_vocab_file_contents = [(t, -1) for t in reserved_tokens] + \
      expected_vocab_content_from_data
  # TFT updates shallow copies of input_data's dicts; the rows are the same.
  expected_data = [dict(
      instance,
      # Vocabulary with reserved tokens sizes are off by one due to a duplicate token.
      my_vocab_size=len(expected_vocab_content_from_data) + len(reserved_tokens) + 1,
      reserved_tokens_tensor_size=len(expected_vocab_content_from_data) + len(reserved_tokens)
      + 1,
      sanity_size=4) for instance in input_data]
  _analyze_and_transform(tmp_path, input_data, input_metadata, preprocessing_fn, expected_data,
                         expected_vocab_file_contents={"my_vocab": expected_vocab_file_contents})
