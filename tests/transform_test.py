"""tfx_core.transform's analyzers and mappers against numpy / pure-Python references, and the
batch path against the saved TransformGraph (bit for bit)."""

import collections
import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest
import tensorflow as tf

import tfx_core.transform as tft
from tfx_core.transform import _analysis, _cache, _inputs

RNG = np.random.default_rng(11)
N = 5000
FLOAT = tf.io.FixedLenFeature([], tf.float32)
VARFLOAT = tf.io.VarLenFeature(tf.float32)
INT = tf.io.FixedLenFeature([], tf.int64)
STRING = tf.io.FixedLenFeature([], tf.string)
VARSTRING = tf.io.VarLenFeature(tf.string)


def _data():
  x = RNG.normal(3, 2, N)
  x[::101] = np.nan                       # NaN values: skipped by analyzers, NaN out.
  missing = np.arange(N) % 17 == 0         # Missing values: absent from the SparseTensor.
  words = np.array(["apple", "kiwi", "fig", "plum", "date"])[RNG.zipf(1.5, N) % 5]
  return pa.table({
      "x": pa.array(x, mask=missing), "y": RNG.uniform(-1, 1, N), "k": RNG.integers(0, 9, N),
      "s": pa.array(words), "key": pa.array(np.array(["a", "b", "c"])[RNG.integers(0, 3, N)]),
  })


TABLE = _data()
SPEC = {"x": VARFLOAT, "y": FLOAT, "k": INT, "s": STRING, "key": STRING}


def _present(name, dtype=np.float32):
  """The values analyzers see: present, cast to the tensor dtype, NaN dropped."""
  values = TABLE[name].drop_null().to_numpy().astype(dtype)
  return values[~np.isnan(values)] if values.dtype.kind == "f" else values


def _run(preprocessing_fn, tmp_path, table=TABLE, spec=SPEC, batch_size=1024):
  return tft.analyze_and_transform(table, preprocessing_fn, spec, str(tmp_path / "tg"),
                                   batch_size=batch_size)


def _graph_outputs(output, table, spec=SPEC):
  """What the saved TransformGraph computes on the same raw rows (the serving path)."""
  return output.transform_raw_features(_inputs.to_tensors(table, spec))


def test_numeric_analyzers_match_numpy(tmp_path):
  def preprocessing_fn(inputs):
    x, k = inputs["x"], inputs["k"]
    ones = tf.ones_like(inputs["y"])
    return {"mean": tf.fill(tf.shape(ones), tft.mean(x)), "var": tf.fill(tf.shape(ones), tft.var(x)),
            "min": tf.fill(tf.shape(ones), tft.min(x)), "max": tf.fill(tf.shape(ones), tft.max(x)),
            "sum_k": tf.fill(tf.shape(ones), tft.sum(k)), "size": tf.fill(tf.shape(ones), tft.size(x)),
            "max_k": tf.fill(tf.shape(ones), tft.max(k))}
  out, _ = _run(preprocessing_fn, tmp_path)
  x = _present("x").astype(np.float64)
  assert out["mean"][0].as_py() == pytest.approx(x.mean(), rel=1e-6)
  assert out["var"][0].as_py() == pytest.approx(x.var(), rel=1e-5)
  assert out["min"][0].as_py() == x.min() and out["max"][0].as_py() == x.max()
  k = TABLE["k"].to_numpy()
  assert out["sum_k"][0].as_py() == k.sum() and out["max_k"][0].as_py() == k.max()
  assert out["max_k"].type == pa.int64()
  assert out["size"][0].as_py() == TABLE["x"].drop_null().__len__()  # NaN counted, missing not.


def test_z_score_and_0_1_match_numpy_including_nan_and_missing(tmp_path):
  def preprocessing_fn(inputs):
    return {"x_z": tft.scale_to_z_score(inputs["x"]), "y_01": tft.scale_to_0_1(inputs["y"]),
            "k_mm": tft.scale_by_min_max(inputs["k"], -1.0, 1.0)}
  out, output = _run(preprocessing_fn, tmp_path)
  x = _present("x")
  mean, std = np.float32(x.astype(np.float64).mean()), np.sqrt(np.float32(x.astype(np.float64).var()))
  raw = TABLE["x"].drop_null().to_numpy().astype(np.float32)
  got = out["x_z"].combine_chunks().flatten().to_numpy()
  np.testing.assert_allclose(got, (raw - mean) / std, rtol=2e-6, atol=1e-6)
  assert np.isnan(got).sum() == np.isnan(raw).sum()
  assert out["x_z"].combine_chunks().value_lengths().to_numpy().sum() == len(raw)
  assert out["x_z"].combine_chunks().value_lengths()[0].as_py() == 0  # Row 0 is missing.
  y = TABLE["y"].to_numpy().astype(np.float32)
  np.testing.assert_allclose(out["y_01"].to_numpy(), (y - y.min()) / (y.max() - y.min()), atol=1e-6)
  k = TABLE["k"].to_numpy().astype(np.float32)
  np.testing.assert_allclose(out["k_mm"].to_numpy(), (k - k.min()) / (k.max() - k.min()) * 2 - 1,
                             atol=1e-6)
  assert set(output.analyzer_values()) == {"scale_to_z_score_0", "scale_to_0_1_1",
                                           "scale_by_min_max_2"}


def test_constant_feature_follows_tft(tmp_path):
  table = pa.table({"c": np.full(10, 4.0)})
  def preprocessing_fn(inputs):
    return {"z": tft.scale_to_z_score(inputs["c"]), "u": tft.scale_to_0_1(inputs["c"])}
  out, _ = _run(preprocessing_fn, tmp_path, table, {"c": FLOAT})
  assert out["z"].to_pylist() == [0.0] * 10   # stddev 0: x - mean.
  np.testing.assert_allclose(out["u"].to_numpy(), 1 / (1 + np.exp(-4.0)), rtol=1e-6)  # sigmoid.


def test_quantile_buckets_within_the_sketch_bound_and_ties_go_up(tmp_path):
  def preprocessing_fn(inputs):
    return {"b": tft.bucketize(inputs["y"], 10),
            "fixed": tft.apply_buckets(inputs["y"], tf.constant([[-0.5, 0.0, 0.5]]))}
  table = TABLE.set_column(1, "y", pa.array(np.concatenate(
      [[-0.5, 0.0, 0.5], TABLE["y"].to_numpy()[3:]])))
  out, output = _run(preprocessing_fn, tmp_path, table)
  y = table["y"].to_numpy().astype(np.float32)
  boundaries = np.asarray(output.analyzer_values()["bucketize_0"]["boundaries"])
  assert len(boundaries) == 9
  ranks = np.searchsorted(np.sort(y), boundaries, side="right") / len(y)
  np.testing.assert_allclose(ranks, np.arange(1, 10) / 10, atol=0.022)
  np.testing.assert_array_equal(out["b"].to_numpy(),
                                np.searchsorted(boundaries.astype(np.float32), y, side="right"))
  assert out["fixed"].to_pylist()[:3] == [1, 2, 3]  # A value on a boundary is in the upper bucket.


def test_vocabulary_order_threshold_top_k_oov_and_weights(tmp_path):
  def preprocessing_fn(inputs):
    s = inputs["s"]
    return {"id": tft.compute_and_apply_vocabulary(s, vocab_filename="all"),
            "top2": tft.compute_and_apply_vocabulary(s, top_k=2, num_oov_buckets=3,
                                                      vocab_filename="top2"),
            "frequent": tft.compute_and_apply_vocabulary(s, frequency_threshold=500,
                                                          default_value=-7,
                                                          vocab_filename="frequent"),
            "weighted": tft.compute_and_apply_vocabulary(s, weights=inputs["y"] + 1.0,
                                                          vocab_filename="weighted"),
            "int_id": tft.compute_and_apply_vocabulary(inputs["k"], vocab_filename="ints")}
  out, output = _run(preprocessing_fn, tmp_path)
  words = TABLE["s"].to_pylist()
  counts = collections.Counter(words)
  expected = [w for w, _ in sorted(counts.items(), key=lambda wc: (wc[1], wc[0]), reverse=True)]
  assert output.vocabulary_by_name("all") == [w.encode() for w in expected]
  assert out["id"].to_pylist() == [expected.index(w) for w in words]
  top2 = out["top2"].to_numpy()
  assert set(top2[[w in expected[:2] for w in words]]) <= {0, 1}
  assert set(top2[[w not in expected[:2] for w in words]]) <= {2, 3, 4}  # 3 OOV buckets.
  frequent = [w for w in expected if counts[w] >= 500]
  assert output.vocabulary_size_by_name("frequent") == len(frequent)
  assert out["frequent"].to_pylist() == [frequent.index(w) if w in frequent else -7 for w in words]
  weight = collections.defaultdict(float)
  for w, y in zip(words, TABLE["y"].to_numpy().astype(np.float32)):
    weight[w] += float(y) + 1.0
  by_weight = sorted(weight, key=lambda w: (weight[w], w), reverse=True)
  assert output.vocabulary_by_name("weighted") == [w.encode() for w in by_weight]
  ints = collections.Counter(str(k) for k in TABLE["k"].to_pylist())
  assert output.vocabulary_by_name("ints")[0] == max(ints, key=lambda k: (ints[k], k)).encode()


def test_count_per_key_and_per_key_scaling(tmp_path):
  def preprocessing_fn(inputs):
    keys, counts = tft.count_per_key(inputs["key"])
    ones = tf.ones_like(inputs["y"], tf.int64)
    return {"n_keys": ones * tf.size(keys, out_type=tf.int64), "first_count": ones * counts[0],
            "z": tft.scale_to_z_score_per_key(inputs["y"], inputs["key"]),
            "u": tft.scale_to_0_1_per_key(inputs["y"], inputs["key"])}
  out, _ = _run(preprocessing_fn, tmp_path)
  keys, y = np.array(TABLE["key"].to_pylist()), TABLE["y"].to_numpy().astype(np.float32)
  counts = collections.Counter(keys)
  # TFT's order: by key.
  assert out["n_keys"][0].as_py() == 3 and out["first_count"][0].as_py() == counts["a"]
  for key in "abc":
    v = y[keys == key].astype(np.float64)
    np.testing.assert_allclose(out["z"].to_numpy()[keys == key], (v - v.mean()) / v.std(),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out["u"].to_numpy()[keys == key],
                               (v - v.min()) / (v.max() - v.min()), atol=1e-5)


def test_text_mappers(tmp_path):
  table = pa.table({"doc": pa.array([["a", "b", "a"], ["b", "c"], [], ["a"]])})
  def preprocessing_fn(inputs):
    doc = inputs["doc"]
    ids = tft.compute_and_apply_vocabulary(doc, vocab_filename="terms")
    tfidf_ids, tfidf_weights = tft.tfidf(ids, vocab_size=3)
    return {"bigrams": tft.ngrams(doc, (1, 2), " "), "bag": tft.bag_of_words(doc, (1, 1), " "),
            "hashed": tft.hash_strings(doc, 7), "tfidf_ids": tfidf_ids, "tfidf": tfidf_weights}
  out, output = _run(preprocessing_fn, tmp_path, table, {"doc": VARSTRING})
  assert out.schema.field("bag").type == pa.list_(pa.binary())  # TensorFlow strings are bytes.
  text = out.select(["bigrams", "bag"]).cast(pa.schema([("bigrams", pa.list_(pa.string())),
                                                        ("bag", pa.list_(pa.string()))]))
  # TFT's order: the n-grams starting at each position in turn.
  assert text["bigrams"].to_pylist() == [["a", "a b", "b", "b a", "a"], ["b", "b c", "c"], [],
                                         ["a"]]
  assert text["bag"].to_pylist() == [["a", "b"], ["b", "c"], [], ["a"]]
  assert output.transform_arrow(table.slice(2, 1))["bag"].to_pylist() == [[]]  # No tokens at all.
  assert out["hashed"].to_pylist()[0] == tf.strings.to_hash_bucket_fast(["a", "b", "a"], 7).numpy().tolist()
  vocab = [t.decode() for t in output.vocabulary_by_name("terms")]   # a:3 b:2 c:1
  assert vocab == ["a", "b", "c"]
  df = {"a": 2, "b": 2, "c": 1}
  def weight(term, count, length):
    return count / length * (math.log((4 + 1) / (df[term] + 1)) + 1)
  assert out["tfidf_ids"].to_pylist() == [[0, 1], [1, 2], [], [0]]
  np.testing.assert_allclose(out["tfidf"].to_pylist()[0], [weight("a", 2, 3), weight("b", 1, 3)],
                             rtol=1e-6)
  np.testing.assert_allclose(out["tfidf"].to_pylist()[1], [weight("b", 1, 2), weight("c", 1, 2)],
                             rtol=1e-6)


def test_analyzer_of_an_analyzer_takes_a_second_pass(tmp_path):
  def preprocessing_fn(inputs):
    z = tft.scale_to_z_score(inputs["y"])
    return {"zz": tft.scale_to_z_score(z * 3.0 + tft.mean(inputs["y"]))}
  out, _ = _run(preprocessing_fn, tmp_path)
  y = TABLE["y"].to_numpy().astype(np.float32)
  np.testing.assert_allclose(out["zz"].to_numpy(), (y - y.mean()) / y.std(), atol=2e-4)


def test_empty_split_gives_tensorflow_empty_reductions(tmp_path):
  def preprocessing_fn(inputs):
    return {"z": tft.scale_to_z_score(inputs["y"]), "b": tft.bucketize(inputs["y"], 4),
            "id": tft.compute_and_apply_vocabulary(inputs["s"], num_oov_buckets=2)}
  empty = TABLE.slice(0, 0)
  transformed, output = _run(preprocessing_fn, tmp_path, empty)
  assert transformed.num_rows == 0 and set(transformed.column_names) == {"z", "b", "id"}
  values = output.analyzer_values()
  assert values["scale_to_z_score_0"]["count"] == 0
  assert values["bucketize_1"]["boundaries"] == []
  # Applied to rows later, an empty vocabulary (TFT's one dummy token, id 0) sends
  # everything to the OOV buckets after it.
  result = output.transform_arrow(TABLE.slice(0, 50))
  assert set(result["id"].to_pylist()) <= {1, 2}
  assert set(result["b"].to_pylist()) == {0}


@pytest.mark.parametrize("with_graph_outputs", [False, True])
def test_batch_path_equals_the_transform_graph_bit_for_bit(tmp_path, with_graph_outputs):
  """Only C++ mappers of raw columns: the batch path runs the kernels on Arrow. With other
  outputs too: it runs the saved graph. Either way, the graph's bits."""
  def preprocessing_fn(inputs):
    y, s = inputs["y"], inputs["s"]
    outputs = {"x_z": tft.scale_to_z_score(inputs["x"]), "y_b": tft.bucketize(y, 7),
               "s_id": tft.compute_and_apply_vocabulary(s, top_k=3, num_oov_buckets=2),
               "k_01": tft.scale_to_0_1(inputs["k"])}
    if with_graph_outputs:
      outputs.update(mixed=tft.scale_to_z_score(y * y),
                     pk=tft.scale_to_z_score_per_key(y, inputs["key"]))
    return outputs
  out, output = _run(preprocessing_fn, tmp_path)
  graph = _graph_outputs(output, TABLE)
  assert set(output._direct) == {"x_z", "y_b", "s_id", "k_01"}  # pylint: disable=protected-access
  assert set(graph) == set(out.column_names)
  for name, value in graph.items():
    want = value.values.numpy() if isinstance(value, tf.SparseTensor) else value.numpy()
    column = out[name].combine_chunks()
    got = column.flatten().to_numpy() if pa.types.is_list(column.type) else column.to_numpy()
    assert got.dtype == want.dtype, name
    assert got.tobytes() == want.tobytes(), name


def test_wrong_inputs_name_the_feature_and_analyzer(tmp_path):
  def strings_to_mean(inputs):
    return {"m": tft.scale_to_z_score(inputs["s"])}
  with pytest.raises(ValueError, match=r"scale_to_z_score of feature 's': expects a numeric"):
    _run(strings_to_mean, tmp_path)
  with pytest.raises(ValueError, match=r"feature 'nope' is not in the raw features"):
    _run(lambda inputs: {"m": tft.mean(inputs["nope"])}, tmp_path)
  with pytest.raises(ValueError, match=r"returned 'ndarray' for 'a'|returned .* for 'a'"):
    _run(lambda inputs: {"a": np.zeros(3)}, tmp_path)
  def raises(inputs):
    raise RuntimeError("user bug")
  with pytest.raises(ValueError, match=r"preprocessing_fn raised RuntimeError: user bug"):
    _run(raises, tmp_path)
  with pytest.raises(RuntimeError, match="inside a preprocessing_fn"):
    tft.mean(tf.constant([1.0]))
  with pytest.raises(ValueError, match=r"feature 'x' is missing in row 0"):
    _run(lambda inputs: {"z": tft.scale_to_z_score(inputs["x"])}, tmp_path,
         spec=dict(SPEC, x=FLOAT))
  with pytest.raises(ValueError, match="reduce_instance_dims=False needs a dense Tensor"):
    _run(lambda inputs: {"m": tft.scale_to_z_score(inputs["x"], elementwise=True)}, tmp_path)


def test_a_vocabulary_of_a_million_tokens_is_an_asset_not_a_constant(tmp_path):
  tokens = np.char.add("token_", np.arange(1_200_000).astype(str)).astype(object)
  table = pa.table({"s": pa.array(np.concatenate([tokens, tokens[:10]]))})
  def preprocessing_fn(inputs):
    return {"id": tft.compute_and_apply_vocabulary(inputs["s"], vocab_filename="big")}
  out, output = _run(preprocessing_fn, tmp_path, table, {"s": STRING}, batch_size=65536)
  assert output.vocabulary_size_by_name("big") == 1_200_000
  vocabulary = output.vocabulary_by_name("big")
  ids = out["id"].to_numpy()
  assert [vocabulary[i] for i in ids[:3]] == [t.encode() for t in tokens[:3]]
  assert ids[:10].tolist() == ids[-10:].tolist() and set(ids[:10]) == set(range(10))  # Seen twice.
  graph_bytes = os.path.getsize(os.path.join(output.transform_savedmodel_dir, "saved_model.pb"))
  vocab_bytes = os.path.getsize(output.vocabulary_file_by_name("big"))
  assert vocab_bytes > 14_000_000 and graph_bytes < 200_000


def test_cache_hands_each_analyzer_its_own_vocabulary(tmp_path):
  table = pa.table({"a": ["x", "y", "y"], "b": ["p", "q", "q"]})
  spec = {"a": STRING, "b": STRING}
  cache = _cache.AnalyzerCache(str(tmp_path / "cache"), "span-1")
  def run(preprocessing_fn, name):
    files = tmp_path / ("files-" + name)
    files.mkdir()
    fn = tft.PreprocessingFn(preprocessing_fn)
    known = _analysis.analyze(fn, spec, _analysis.run_pass_in_process(table.to_batches),
                              str(files), cache=cache)
    tft.save_transform_graph(preprocessing_fn, spec, known, str(files), str(tmp_path / name))
    return tft.TransformOutput(str(tmp_path / name)).transform_arrow(table)
  first = run(lambda i: {"ia": tft.compute_and_apply_vocabulary(i["a"])}, "first")
  # a's analyzer keeps its place (and TFT's default file name): a hit; b's is new.
  second = run(lambda i: {"ia": tft.compute_and_apply_vocabulary(i["a"]),
                          "ib": tft.compute_and_apply_vocabulary(i["b"])}, "second")
  assert cache.hits == 1
  # Now a's analyzer is second in the trace, and b's takes a's old place and file name.
  third = run(lambda i: {"ib": tft.compute_and_apply_vocabulary(i["b"]),
                         "ia": tft.compute_and_apply_vocabulary(i["a"])}, "third")
  for out in (first, second, third):
    assert out["ia"].to_pylist() == [1, 0, 0]
  assert second["ib"].to_pylist() == third["ib"].to_pylist() == [1, 0, 0]


def test_bad_values_and_clashes_are_errors_naming_the_feature(tmp_path):
  lists = pa.table({"v": pa.array([[1.0, 2.0], [3.0, None]])})
  with pytest.raises(ValueError, match=r"feature 'v' has a missing value inside the list of row 1"):
    _run(lambda i: {"z": tft.scale_to_z_score(i["v"])}, tmp_path, lists, {"v": VARFLOAT})
  short = pa.table({"v": pa.array([[1.0, 2.0], [3.0]])})
  with pytest.raises(ValueError, match=r"feature 'v' has 1 values in row 1, but its shape \[2\]"):
    _run(lambda i: {"z": tft.scale_to_z_score(i["v"])}, tmp_path, short,
         {"v": tf.io.FixedLenFeature([2], tf.float32)})
  with pytest.raises(ValueError, match=r"both write the file 'v'"):
    _run(lambda i: {"a": tft.compute_and_apply_vocabulary(i["s"], vocab_filename="v"),
                    "b": tft.compute_and_apply_vocabulary(i["key"], vocab_filename="v")}, tmp_path)
  with pytest.raises(ValueError, match=r"output 'd' has dtype complex64"):
    _run(lambda i: {"d": tf.cast(i["y"], tf.complex64)}, tmp_path)


def test_large_integers_and_line_breaks_in_keys(tmp_path):
  big = 16_777_216  # 2^24: neighbours collapse to one float32 boundary.
  table = pa.table({"i": pa.array([big, big + 1, big + 2, big + 3] * 5),
                    "key": pa.array(["a\nb", "c", "c", "d"] * 5), "y": np.arange(20.0)})
  spec = {"i": INT, "key": STRING, "y": FLOAT}
  def preprocessing_fn(inputs):
    return {"b": tft.bucketize(inputs["i"], 4), "u": tft.scale_to_0_1(inputs["i"]),
            "z": tft.scale_to_z_score_per_key(inputs["y"], inputs["key"])}
  out, output = _run(preprocessing_fn, tmp_path, table, spec)
  graph = _graph_outputs(output, table, spec)
  for name in ("b", "u", "z"):
    assert out[name].to_numpy().tobytes() == graph[name].numpy().tobytes(), name
  y, keys = table["y"].to_numpy(), np.array(table["key"].to_pylist())
  c = y[keys == "c"]
  np.testing.assert_allclose(out["z"].to_numpy()[keys == "c"], (c - c.mean()) / c.std(), rtol=1e-5)
  np.testing.assert_array_equal(out["z"].to_numpy()[keys == "a\nb"], y[keys == "a\nb"])  # Unseen.


_LOAD_EXPORTED = """
import json, sys
import tensorflow as tf
import tfx_core.ops  # The TfxCore* ops, before loading.
model = tf.saved_model.load(sys.argv[1])
out = model.serve({"x": tf.constant([3.0, 1.0]), "s": tf.constant(["b", "zzz"])})
print(json.dumps([out["z"].numpy().tolist(), out["id"].numpy().tolist()]))
"""


def test_a_model_exported_with_the_layer_carries_the_vocabularies(tmp_path):
  table = pa.table({"x": [1.0, 2.0, 3.0, 4.0], "s": ["a", "b", "b", "c"]})
  spec = {"x": FLOAT, "s": STRING}
  _, output = _run(lambda i: {"z": tft.scale_to_z_score(i["x"]),
                              "id": tft.compute_and_apply_vocabulary(i["s"])},
                   tmp_path, table, spec)

  class Serving(tf.Module):
    def __init__(self, layer):
      super().__init__()
      self.layer = layer

    @tf.function(input_signature=[{"x": tf.TensorSpec([None], tf.float32),
                                   "s": tf.TensorSpec([None], tf.string)}])
    def serve(self, features):
      return self.layer(features)

  tf.saved_model.save(Serving(output.transform_features_layer()), str(tmp_path / "model"))
  shutil.rmtree(tmp_path / "tg")  # The model must not need the TransformGraph's folder.
  result = subprocess.run([sys.executable, "-c", _LOAD_EXPORTED, str(tmp_path / "model")],
                          capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
  assert result.returncode == 0, result.stderr[-2000:]
  z, ids = json.loads(result.stdout.strip().splitlines()[-1])
  np.testing.assert_allclose(z, (np.array([3.0, 1.0]) - 2.5) / np.sqrt(1.25), rtol=1e-6)
  assert ids == [0, -1]  # b is the most frequent; zzz is out of the vocabulary.


def test_elementwise_statistics_per_position(tmp_path):
  rows = RNG.normal([0.0, 10.0, -5.0], [1.0, 3.0, 0.5], size=(500, 3)).astype(np.float32)
  rows[:, 2][::7] = 4.0
  table = pa.table({"v": pa.array(list(rows), pa.list_(pa.float32())),
                    "c": pa.array([[1, 2]] * 500, pa.list_(pa.int64()))})
  spec = {"v": tf.io.FixedLenFeature([3], tf.float32), "c": tf.io.FixedLenFeature([2], tf.int64)}
  def preprocessing_fn(inputs):
    v, c = inputs["v"], inputs["c"]
    ones = tf.ones_like(v[:, :1])
    return {"z": tft.scale_to_z_score(v, elementwise=True),
            "u": tft.scale_to_0_1(v, elementwise=True),
            "mean": ones * tft.mean(v, reduce_instance_dims=False),
            "max": ones * tft.max(v, reduce_instance_dims=False),
            "c_sum": tf.ones_like(c) * tft.sum(c, reduce_instance_dims=False),
            "c_01": tft.scale_to_0_1(c, elementwise=True)}
  out, output = _run(preprocessing_fn, tmp_path, table, spec)
  def matrix(name, width):
    return np.asarray(out[name].combine_chunks().flatten().to_numpy()).reshape(-1, width)
  r = rows.astype(np.float64)
  np.testing.assert_allclose(matrix("mean", 3)[0], r.mean(axis=0), rtol=1e-5)
  np.testing.assert_array_equal(matrix("max", 3)[0], rows.max(axis=0))
  np.testing.assert_allclose(matrix("z", 3), (r - r.mean(axis=0)) / r.std(axis=0), atol=1e-4)
  lo, hi = rows.min(axis=0), rows.max(axis=0)
  np.testing.assert_allclose(matrix("u", 3), (rows - lo) / (hi - lo), atol=1e-6)
  np.testing.assert_array_equal(matrix("c_sum", 2)[0], [500, 1000])
  np.testing.assert_allclose(matrix("c_01", 2)[0], 1 / (1 + np.exp(-np.array([1.0, 2.0]))),
                             rtol=1e-6)  # Constant positions: sigmoid, as in TFT.
  graph = _graph_outputs(output, table, spec)
  assert matrix("z", 3).tobytes() == graph["z"].numpy().tobytes()


def test_covariance_and_pca(tmp_path):
  rows = RNG.multivariate_normal([1.0, -2.0, 0.5], [[4.0, 1.5, 0.0], [1.5, 2.0, 0.3],
                                                    [0.0, 0.3, 0.5]], size=2000)
  table = pa.table({"v": pa.array(list(rows.astype(np.float32)), pa.list_(pa.float32()))})
  spec = {"v": tf.io.FixedLenFeature([3], tf.float32)}
  def preprocessing_fn(inputs):
    v = inputs["v"]
    ones = tf.ones_like(v[:, :1])
    cov = tft.covariance(v, tf.float32)
    return {"cov": ones * tf.reshape(cov, [1, 9]),
            "projected": tf.matmul(v, tft.pca(v, output_dim=2, dtype=tf.float32))}
  out, _ = _run(preprocessing_fn, tmp_path, table, spec)
  r = rows.astype(np.float32).astype(np.float64)
  expected = np.cov(r, rowvar=False, bias=True)
  got = np.asarray(out["cov"].combine_chunks().flatten().to_numpy()).reshape(-1, 9)[0]
  np.testing.assert_allclose(got.reshape(3, 3), expected, rtol=1e-5)
  # The projection's variance along each component is the top eigenvalues, largest first.
  projected = np.asarray(out["projected"].combine_chunks().flatten().to_numpy()).reshape(-1, 2)
  top = np.sort(np.linalg.eigvalsh(expected))[::-1][:2]
  np.testing.assert_allclose(projected.var(axis=0), top, rtol=1e-4)
