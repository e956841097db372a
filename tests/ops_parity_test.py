"""The TensorFlow ops compute the same bits as the pybind11 path, in graphs and SavedModels."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pyarrow as pa
import pytest
import tensorflow as tf

from tfx_core import mappers
from tfx_core import ops

RNG = np.random.default_rng(11)
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e-30]


def _values(dtype):
  if dtype == np.int64:
    return np.concatenate([RNG.integers(-10**12, 10**12, 997), [0, -1, 2**62]]).astype(np.int64)
  return np.concatenate([RNG.normal(2.0, 7.0, 993), SPECIAL]).astype(dtype)


def _graph(fn):
  return tf.function(fn, autograph=False)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_numeric_mappers_are_bit_identical(dtype):
  x = _values(dtype)
  boundaries = np.sort(RNG.normal(2.0, 7.0, 100))
  # Parameters that float32 cannot represent exactly: both paths must round them the same way.
  pairs = [
      (mappers.scale_to_z_score(x, 2.1, 7.3), _graph(lambda v: ops.scale_to_z_score(v, 2.1, 7.3))(x)),
      (mappers.scale_to_0_1(x, -5.1, 9.7), _graph(lambda v: ops.scale_to_0_1(v, -5.1, 9.7))(x)),
      (mappers.bucketize(x, boundaries), _graph(lambda v: ops.bucketize(v, boundaries))(x)),
  ]
  for ours, tf_out in pairs:
    assert ours.dtype == tf_out.numpy().dtype
    np.testing.assert_array_equal(ours.view(np.uint8), tf_out.numpy().view(np.uint8))


def test_empty_inputs_agree():
  x = np.zeros([0], np.float32)
  assert ops.scale_to_z_score(x, 0.0, 1.0).shape == [0]
  np.testing.assert_array_equal(ops.bucketize(x, [1.0]).numpy(), mappers.bucketize(x, [1.0]))


def test_arrow_nulls_match_nan_in_tensorflow():
  arrow = pa.array([1.5, None, 4.0, None])
  dense = np.array([1.5, np.nan, 4.0, np.nan])
  np.testing.assert_array_equal(mappers.scale_to_z_score(arrow, 1.0, 2.0),
                                ops.scale_to_z_score(dense, 1.0, 2.0).numpy())
  # Bucket ids differ on purpose: a null is -1, NaN the last bucket (TFT's).
  np.testing.assert_array_equal(mappers.bucketize(arrow, [2.0]), [0, -1, 1, -1])
  np.testing.assert_array_equal(ops.bucketize(dense, [2.0]).numpy(), [0, 1, 1, 1])


def test_vocabulary_with_oov_is_identical(tmp_path):
  path = str(tmp_path / "vocab.txt")
  tokens = ["token_%d" % i for i in range(5000)]
  with open(path, "w") as f:
    f.write("\n".join(tokens) + "\n")
  queries = tokens[::7] + ["oov_%d" % i for i in range(300)] + ["", "token_"]
  for oov, default in [(0, -1), (0, -42), (17, -1)]:
    ours = mappers.apply_vocabulary(queries, mappers.Vocabulary.from_file(path),
                                    num_oov_buckets=oov, default_value=default)
    theirs = _graph(lambda q: ops.apply_vocabulary(q, path, oov, default))(tf.constant(queries))
    np.testing.assert_array_equal(ours, theirs.numpy())
    if oov:  # TensorFlow's own table (what TFT builds): the same OOV ids, farmhash's.
      table = tf.lookup.StaticVocabularyTable(tf.lookup.TextFileInitializer(
          path, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64,
          tf.lookup.TextFileIndex.LINE_NUMBER), num_oov_buckets=oov)
      rng = np.random.RandomState(0)
      odd = [bytes(rng.randint(0, 256, n, dtype=np.uint8)) for n in rng.randint(0, 300, 2000)]
      strings = [q.encode() for q in queries] + odd
      np.testing.assert_array_equal(
          _graph(lambda q: ops.apply_vocabulary(q, path, oov, default))(tf.constant(strings)),
          table.lookup(tf.constant(strings)))
  # Arrow nulls get default_value, as a missing (absent) value does.
  assert mappers.apply_vocabulary(pa.array([None], pa.string()),
                                  mappers.Vocabulary.from_file(path), default_value=-5)[0] == -5


def test_sparse_and_ragged_inputs_map_their_values():
  sparse = tf.sparse.from_dense(tf.constant([[0.0, 2.0], [4.0, 0.0]]))
  out = ops.scale_to_z_score(sparse, 1.0, 1.0)
  np.testing.assert_array_equal(out.values.numpy(), [1.0, 3.0])
  ragged = tf.ragged.constant([[1.0, 2.0], [], [3.0]])
  assert ops.bucketize(ragged, [1.5]).to_list() == [[0, 1], [], [1]]


def test_static_shapes_are_inferred():
  fn = tf.function(lambda x: ops.scale_to_z_score(x, 0.0, 1.0)).get_concrete_function(
      tf.TensorSpec([None, 4], tf.float32))
  assert fn.output_shapes.as_list() == [None, 4]
  b = tf.function(lambda x: ops.bucketize(x, [1.0])).get_concrete_function(
      tf.TensorSpec([3], tf.float64))
  assert b.output_shapes.as_list() == [3]


def test_shape_function_rejects_non_scalar_parameters():
  with pytest.raises(ValueError, match="must be rank 0"):
    tf.function(lambda x: ops.scale_to_z_score(x, [0.0, 1.0], 1.0)).get_concrete_function(
        tf.TensorSpec([None], tf.float32))
  with pytest.raises(ValueError, match="must be rank 1"):
    tf.function(lambda x: ops.bucketize(x, [[1.0]])).get_concrete_function(
        tf.TensorSpec([None], tf.float32))


@pytest.mark.parametrize("call, message", [
    (lambda: ops.scale_to_z_score([1.0], 0.0, 0.0), "stddev must be finite and > 0"),
    (lambda: ops.scale_to_z_score([1.0], 0.0, float("nan")), "stddev must be finite and > 0"),
    (lambda: ops.scale_to_0_1([1.0], 2.0, 1.0), "max must be greater than min"),
    (lambda: ops.bucketize([1.0], [2.0, 1.0]), "sorted"),
    (lambda: ops.apply_vocabulary(["a"], "no/such/vocab.txt"), "no/such/vocab.txt"),
])
def test_bad_parameters_are_tensorflow_errors(call, message):
  with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.NotFoundError), match=message):
    call()


def test_wrong_dtype_is_rejected_and_narrow_integers_widened():
  with pytest.raises((TypeError, tf.errors.InvalidArgumentError)):
    ops.scale_to_z_score(tf.constant(["1"]), 0.0, 1.0)
  # int8..int32 are read as int64, as TFT accepts them.
  np.testing.assert_array_equal(ops.scale_to_z_score(tf.constant([1, 3], tf.int32), 1.0, 2.0),
                                ops.scale_to_z_score(tf.constant([1, 3], tf.int64), 1.0, 2.0))
  np.testing.assert_array_equal(ops.bucketize(tf.constant([1, 3], tf.int16), [2.0]), [0, 1])


def test_negative_oov_buckets_are_rejected():
  with pytest.raises((ValueError, tf.errors.InvalidArgumentError)):
    ops.apply_vocabulary(["a"], "unused.txt", num_oov_buckets=-1)


class _Preprocessor(tf.Module):

  def __init__(self, vocab_path):
    super().__init__()
    self.vocab = tf.saved_model.Asset(vocab_path)

  @tf.function(input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([None], tf.string)])
  def __call__(self, x, s):
    return {
        "z": ops.scale_to_z_score(x, 0.5, 0.25),
        "unit": ops.scale_to_0_1(x, 0.0, 2.0),
        "bucket": ops.bucketize(x, [0.25, 0.5, 0.75]),
        "id": ops.apply_vocabulary(s, self.vocab, num_oov_buckets=2),
    }


def test_saved_model_reloads_in_a_fresh_process(tmp_path):
  vocab = tmp_path / "species.txt"
  vocab.write_text("Adelie\nGentoo\nChinstrap\n")
  export = str(tmp_path / "model")
  tf.saved_model.save(_Preprocessor(str(vocab)), export)
  vocab.unlink()  # The SavedModel must carry its own copy of the asset.

  x = np.array([0.1, 0.5, 0.9, np.nan], np.float32)
  s = ["Gentoo", "Emperor", "Adelie", "Chinstrap"]
  script = textwrap.dedent("""
      import json, sys
      import numpy as np
      import tensorflow as tf
      import tfx_core.ops  # Registers the ops before loading.
      model = tf.saved_model.load(sys.argv[1])
      out = model(tf.constant(json.loads(sys.argv[2]), tf.float32), tf.constant(json.loads(sys.argv[3])))
      print(json.dumps({k: np.nan_to_num(v.numpy(), nan=-999).tolist() for k, v in out.items()}))
  """)
  result = subprocess.run(
      [sys.executable, "-c", script, export, json.dumps(x.tolist()), json.dumps(s)],
      capture_output=True, text=True, env=dict(os.environ), cwd=str(tmp_path), check=False)
  assert result.returncode == 0, result.stderr
  got = json.loads(result.stdout.strip().splitlines()[-1])
  vocab_obj = mappers.Vocabulary.from_tokens(["Adelie", "Gentoo", "Chinstrap"])
  expected_ids = mappers.apply_vocabulary(s, vocab_obj, num_oov_buckets=2)
  assert got["id"] == expected_ids.tolist()
  np.testing.assert_array_equal(
      np.array(got["z"], np.float32), np.nan_to_num(mappers.scale_to_z_score(x, 0.5, 0.25), nan=-999))
  np.testing.assert_array_equal(
      np.array(got["unit"], np.float32), np.nan_to_num(mappers.scale_to_0_1(x, 0.0, 2.0), nan=-999))
  assert got["bucket"] == mappers.bucketize(x, [0.25, 0.5, 0.75]).tolist()
