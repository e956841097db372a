"""The C++ metrics from Python (_tfx_core_ext.metrics): numpy columns in, values equal to
numpy references computed here, slices from one pass, pickling for Beam, and errors that name
the row or the argument."""

import pickle

import numpy as np
import pytest

from tfx_core._native import ext

metrics = ext.metrics


def _binary_rows(n=3000, seed=0):
  rng = np.random.default_rng(seed)
  scores = np.round(rng.random(n), 2)  # Many ties.
  labels = (rng.random(n) < scores).astype(np.float64)
  weights = rng.uniform(0.5, 2.0, n)
  return labels, scores, weights


def _pairwise_auc(labels, scores, weights):
  pos, neg = labels == 1, labels == 0
  sp, wp = scores[pos][:, None], weights[pos][:, None]
  sn, wn = scores[neg][None, :], weights[neg][None, :]
  credit = (sp > sn) + 0.5 * (sp == sn)
  return float((credit * wp * wn).sum() / (wp.sum() * wn.sum()))


def test_binary_metrics_per_slice_equal_numpy_references():
  labels, scores, weights = _binary_rows()
  group = np.arange(len(labels)) % 3
  slice_ids = np.stack([np.zeros(len(labels), np.int64), 1 + group], axis=1)
  acc = metrics.SlicedMetrics("binary")
  acc.add(labels, scores, slice_ids, weights)
  assert acc.slices() == [0, 1, 2, 3]
  for slice_id, rows in [(0, slice(None)), (2, group == 1)]:
    m = acc.slice(slice_id)
    y, p, w = labels[rows], scores[rows], weights[rows]
    assert m.example_count == len(y)
    assert m.weighted_example_count == pytest.approx(w.sum())
    assert m.mean_label == pytest.approx((w * y).sum() / w.sum())
    assert m.calibration == pytest.approx((w * p).sum() / (w * y).sum())
    assert m.auc() == pytest.approx(_pairwise_auc(y, p, w), abs=1e-12)
    assert m.auc(method="tfma") == pytest.approx(m.auc(), abs=1e-3)
    confusion = m.confusion_at([0.5, 0.25])
    predicted = p > 0.5
    assert confusion[0] == pytest.approx([(w * y)[predicted].sum(), (w * (1 - y))[predicted].sum(),
                                          (w * (1 - y))[~predicted].sum(),
                                          (w * y)[~predicted].sum()])
    derived = metrics.threshold_metrics(confusion)
    tp, fp, tn, fn = confusion[0]
    assert derived["precision"][0] == pytest.approx(tp / (tp + fp))
    assert derived["false_positive_rate"][0] == pytest.approx(fp / (fp + tn))
    assert derived["accuracy"][0] == pytest.approx((tp + tn) / (tp + fp + tn + fn))
    buckets = m.calibration_buckets(10)
    assert buckets.shape == (12, 5) and buckets[:, 2].sum() == pytest.approx(w.sum())


def test_multi_class_metrics():
  rng = np.random.default_rng(1)
  scores = rng.dirichlet(np.ones(4), 500)
  labels = rng.integers(0, 4, 500).astype(np.float64)
  acc = metrics.SlicedMetrics("multi_class", num_classes=4, top_k=[2], per_class=True)
  acc.add(labels, scores, np.zeros((500, 1), np.int64))
  m = acc.slice(0)
  assert m.sparse_categorical_accuracy == pytest.approx(
      np.mean(scores.argmax(axis=1) == labels))
  label_scores = scores[np.arange(500), labels.astype(int)]
  assert m.top_k_accuracy(2) == pytest.approx(
      np.mean((scores > label_scores[:, None]).sum(axis=1) < 2))
  assert m.sparse_categorical_crossentropy == pytest.approx(-np.mean(np.log(label_scores)))
  assert m.confusion_matrix().sum() == pytest.approx(500)
  one_vs_rest = (labels == 2).astype(np.float64)
  assert m.auc(class_id=2) == pytest.approx(
      _pairwise_auc(one_vs_rest, scores[:, 2], np.ones(500)), abs=1e-12)
  with pytest.raises(ValueError, match="class_id must be in"):
    m.auc(class_id=4)


def test_regression_metrics():
  rng = np.random.default_rng(2)
  labels = rng.normal(50, 10, 1000)
  predictions = labels + rng.normal(0, 2, 1000)
  acc = metrics.SlicedMetrics("regression")
  acc.add(labels, predictions, np.zeros((1000, 1), np.int64))
  m = acc.slice(0)
  errors = predictions - labels
  assert m.mean_squared_error == pytest.approx(np.mean(errors ** 2))
  assert m.mean_absolute_error == pytest.approx(np.mean(np.abs(errors)))
  assert m.mean_absolute_percentage_error == pytest.approx(100 * np.mean(np.abs(errors / labels)))
  assert m.r_squared == pytest.approx(1 - np.sum(errors ** 2) / np.sum((labels - labels.mean()) ** 2))


def test_pickled_partial_states_merge_to_the_whole():
  labels, scores, weights = _binary_rows(20000, 3)
  ids = np.zeros((20000, 1), np.int64)
  whole = metrics.SlicedMetrics("binary", bootstrap_samples=20, seed=7)
  whole.add(labels, scores, ids, weights)
  first = metrics.SlicedMetrics("binary", bootstrap_samples=20, seed=7)
  second = metrics.SlicedMetrics("binary", bootstrap_samples=20, seed=7)
  first.add(labels[:5000], scores[:5000], ids[:5000], weights[:5000])
  second.add(labels[5000:], scores[5000:], ids[5000:], weights[5000:], first_row=5000)
  first.merge(pickle.loads(pickle.dumps(second)))
  for replicate in [-1, 0, 19]:
    assert first.slice(0, replicate).example_count == whole.slice(0, replicate).example_count
    assert first.slice(0, replicate).auc() == pytest.approx(whole.slice(0, replicate).auc(),
                                                           abs=1e-12)
  aucs = [whole.slice(0, r).auc() for r in range(20)]
  assert 0 < np.std(aucs, ddof=1) < 0.02  # Replicates differ, a little.


def test_errors_name_the_row_or_the_argument():
  acc = metrics.SlicedMetrics("binary")
  ids = np.zeros((3, 1), np.int64)
  with pytest.raises(ValueError, match=r"row 11: prediction nan"):
    acc.add(np.array([1.0, 0, 1]), np.array([0.2, 0.4, np.nan]), ids, first_row=9)
  with pytest.raises(ValueError, match=r"row 1: label 2 is outside \[0, 1\]"):
    acc.add(np.array([1.0, 2, 1]), np.array([0.2, 0.4, 0.5]), ids)
  with pytest.raises(ValueError, match="predictions must be"):
    acc.add(np.array([1.0, 0, 1]), np.array([0.2, 0.4]), ids)
  with pytest.raises(ValueError, match="task must be"):
    metrics.SlicedMetrics("ranking")
  with pytest.raises(ValueError, match="num_classes must be >= 2"):
    metrics.SlicedMetrics("multi_class")
  with pytest.raises(KeyError, match="no slice 5"):
    acc.slice(5)
  assert acc.slices() == []  # The failed batches added nothing.
