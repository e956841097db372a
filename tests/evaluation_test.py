"""tfx_core.evaluation with TFMA's configs: metrics per slice equal to numpy references,
batch-independent results, bootstrap intervals, candidate/baseline diffs and threshold
validation (value, change, rubber stamp, per-slice), protos, and config errors naming the
field."""

import math
import re
import shutil
import subprocess

import numpy as np
import pyarrow as pa
import pytest

import tfx_core.evaluation as tfma


def _binary_batch(n=4000, seed=0):
  rng = np.random.default_rng(seed)
  scores = np.round(rng.random(n), 3)
  labels = (rng.random(n) < scores).astype(np.int64)
  groups = rng.choice(["a", "b", "c"], n)
  return pa.RecordBatch.from_pydict({
      "label": labels, "weight": rng.uniform(0.5, 2, n), "group": groups,
      "size": rng.integers(0, 2, n)}), scores


def _pairwise_auc(labels, scores, weights):
  pos, neg = labels == 1, labels == 0
  credit = (scores[pos][:, None] > scores[neg][None, :]) + 0.5 * (
      scores[pos][:, None] == scores[neg][None, :])
  wp, wn = weights[pos][:, None], weights[neg][None, :]
  return float((credit * wp * wn).sum() / (wp.sum() * wn.sum()))


def _binary_config(**options):
  return tfma.EvalConfig(
      model_specs=[tfma.ModelSpec(label_key="label", example_weight_key="weight")],
      slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=["group"]),
                     tfma.SlicingSpec(feature_keys=["group", "size"]),
                     tfma.SlicingSpec(feature_values={"group": "b"})],
      metrics_specs=tfma.metrics.specs_from_metrics([
          tfma.metrics.ExampleCount(), tfma.metrics.WeightedExampleCount(), tfma.metrics.AUC(),
          tfma.metrics.AUC(num_thresholds=10000, name="auc_tfma"),
          tfma.metrics.BinaryAccuracy(), tfma.metrics.Precision(thresholds=[0.3, 0.7]),
          tfma.metrics.MeanLabel(), tfma.metrics.Calibration(),
          tfma.metrics.FairnessIndicators(thresholds=[0.5]), tfma.metrics.CalibrationPlot(),
          tfma.metrics.ConfusionMatrixPlot()]),
      options=tfma.Options(**options))


def _evaluate(config, batches):
  evaluation = tfma.Evaluation(config)
  for batch, predictions in batches:
    evaluation.add(batch, {"": predictions})
  return evaluation.result()


def test_binary_metrics_per_slice_equal_numpy_references():
  batch, scores = _binary_batch()
  result = _evaluate(_binary_config(), [(batch, scores)])
  names = [s.name for s in result.slices]
  assert names[0] == "Overall" and "group:b" in names and "group_X_size:a_X_1" in names
  assert len(names) == 1 + 3 + 6  # feature_values={"group": "b"} is the group:b slice.
  labels, weights = batch["label"].to_numpy(), batch["weight"].to_numpy()
  for key, rows in [((), slice(None)), ((("group", "b"),), batch["group"].to_numpy(zero_copy_only=False) == "b")]:
    s = result.slice(key)
    y, p, w = labels[rows], scores[rows], weights[rows]
    m = {k.name: v for k, v in s.metrics.items()}
    assert m["example_count"] == len(y)
    assert m["weighted_example_count"] == pytest.approx(w.sum())
    assert m["auc"] == pytest.approx(_pairwise_auc(y, p, w), abs=1e-12)
    assert m["auc_tfma"] == pytest.approx(m["auc"], abs=1e-3)
    assert m["binary_accuracy"] == pytest.approx(((p > 0.5) == (y == 1)) @ w / w.sum())
    tp = ((p > 0.3) & (y == 1)) @ w
    assert m["precision@0.3"] == pytest.approx(tp / ((p > 0.3) @ w))
    assert m["mean_label"] == pytest.approx(y @ w / w.sum())
    assert m["calibration"] == pytest.approx(p @ w / (y @ w))
    fp, tn = ((p > 0.5) & (y == 0)) @ w, ((p <= 0.5) & (y == 0)) @ w
    assert m["fairness_indicators_metrics/false_positive_rate@0.5"] == pytest.approx(
        fp / (fp + tn))
    plot = s.plots[tfma.MetricKey("calibration_plot")]
    buckets = plot.calibration_histogram_buckets.buckets
    assert len(buckets) == 1002 and buckets[0].lower_threshold_inclusive == -math.inf
    assert sum(b.num_weighted_examples.value for b in buckets) == pytest.approx(w.sum())
  protos = result.metrics_for_slice()
  assert len(protos) == len(result.slices)
  overall = {e.key.name: e.value.double_value.value for e in protos[0].metric_keys_and_values}
  assert overall["auc"] == result.slice(()).metrics[tfma.MetricKey("auc")]
  plots = result.plots_for_slice()
  kinds = {e.key.name: e.value for e in plots[0].plot_keys_and_values}
  assert len(kinds["confusion_matrix_plot"].confusion_matrix_at_thresholds.matrices) == 1000


def test_results_do_not_depend_on_batching():
  batch, scores = _binary_batch(3000, 1)
  whole = _evaluate(_binary_config(), [(batch, scores)])
  parts = _evaluate(_binary_config(), [(batch.slice(i, 700), scores[i:i + 700])
                                       for i in range(0, 3000, 700)])
  assert [s.key for s in whole.slices] == [s.key for s in parts.slices]
  for a, b in zip(whole.slices, parts.slices):
    assert a.metrics.keys() == b.metrics.keys()
    for k in a.metrics:
      assert a.metrics[k] == pytest.approx(b.metrics[k], rel=1e-9, abs=1e-12), (a.name, k)


def test_bootstrap_intervals_surround_the_estimate():
  batch, scores = _binary_batch(5000, 2)
  result = _evaluate(_binary_config(compute_confidence_intervals={"value": True}),
                     [(batch, scores)])
  overall = result.slice(())
  lower, upper, error = overall.intervals[tfma.MetricKey("auc")]
  auc = overall.metrics[tfma.MetricKey("auc")]
  assert 0 < error < 0.02 and lower < auc < upper
  assert tfma.MetricKey("example_count") not in overall.intervals
  interval = [e for e in result.metrics_for_slice()[0].metric_keys_and_values
              if e.key.name == "auc"][0].confidence_interval
  assert interval.degrees_of_freedom.value == 19
  assert interval.lower_bound.double_value.value == pytest.approx(lower)


def _penguin_config(accuracy=0.6):
  """TFX's penguin example's EvalConfig, as its pipeline file writes it, plus slices."""
  return tfma.EvalConfig(
      model_specs=[tfma.ModelSpec(name="candidate", label_key="species"),
                   tfma.ModelSpec(name="baseline", label_key="species", is_baseline=True)],
      slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=["island"])],
      metrics_specs=[
          tfma.MetricsSpec(metrics=[
              tfma.MetricConfig(class_name="ExampleCount"),
              tfma.MetricConfig(
                  class_name="SparseCategoricalAccuracy",
                  threshold=tfma.MetricThreshold(
                      value_threshold=tfma.GenericValueThreshold(lower_bound={"value": accuracy}),
                      change_threshold=tfma.GenericChangeThreshold(
                          direction=tfma.MetricDirection.HIGHER_IS_BETTER,
                          absolute={"value": -1e-10})))
          ])
      ])


def _penguin_rows(n=300, seed=3):
  rng = np.random.default_rng(seed)
  species = rng.integers(0, 3, n)
  island = rng.choice(["Biscoe", "Dream", "Torgersen"], n)
  good = np.full((n, 3), 0.1)
  good[np.arange(n), species] = 0.8       # Always right.
  worse = good.copy()
  wrong = rng.random(n) < 0.3            # Wrong on 30% of rows.
  worse[wrong] = worse[wrong][:, [1, 2, 0]]
  return pa.RecordBatch.from_pydict({"species": species, "island": island}), good, worse


def test_a_worse_candidate_fails_the_change_threshold_and_a_better_one_passes():
  batch, good, worse = _penguin_rows()
  config = _penguin_config()
  evaluation = tfma.Evaluation(config)
  evaluation.add(batch, {"candidate": worse, "baseline": good})
  result = evaluation.result()
  diff = result.slice(()).metrics[tfma.MetricKey("sparse_categorical_accuracy", "candidate",
                                                 is_diff=True)]
  accuracy = result.slice(()).metrics[tfma.MetricKey("sparse_categorical_accuracy", "candidate")]
  assert accuracy == pytest.approx(1 - np.mean(np.argmax(worse, 1) != batch["species"].to_numpy()))
  assert diff == pytest.approx(accuracy - 1)
  validation = tfma.validate(config, result, "candidate", rubber_stamp=False)
  assert not validation.validation_ok
  messages = tfma.failures_text(validation)
  assert len(messages) == 4  # Overall and each island.
  assert "changed by" in messages[0] and "sparse_categorical_accuracy" in messages[0]
  better = tfma.Evaluation(config)
  better.add(batch, {"candidate": good, "baseline": worse})
  assert tfma.validate(config, better.result(), "candidate", rubber_stamp=False).validation_ok


def test_cross_slices_compare_each_slice_with_the_baseline_slice():
  batch, good, worse = _penguin_rows()
  config = _penguin_config()
  del config.model_specs[1:]
  del config.slicing_specs[:]  # The cross-slice specs' slices are computed all the same.
  config.cross_slicing_specs.add(
      baseline_spec=tfma.SlicingSpec(feature_values={"island": "Dream"}),
      slicing_specs=[tfma.SlicingSpec(feature_keys=["island"])])
  evaluation = tfma.Evaluation(config)
  evaluation.add(batch, {"candidate": worse})
  result = evaluation.result()
  assert [s.name for s in result.slices] == ["Overall", "island:Biscoe", "island:Dream",
                                             "island:Torgersen"]
  assert [c.name for c in result.cross_slices] == ["island:Biscoe vs island:Dream",
                                                   "island:Torgersen vs island:Dream"]
  key = tfma.MetricKey("sparse_categorical_accuracy", "candidate")
  biscoe, dream = result.slice((("island", "Biscoe"),)), result.slice((("island", "Dream"),))
  assert result.cross_slices[0].metrics[key] == pytest.approx(
      biscoe.metrics[key] - dream.metrics[key])
  cross = result.metrics_for_slice()[-1]
  assert cross.cross_slice_key.baseline_slice_key.single_slice_keys[0].bytes_value == b"Dream"
  page = tfma.evaluation_html(result, tfma.validate(config, result, "candidate", True),
                              "candidate")
  assert "Cross-slice comparisons" in page and "island:Biscoe vs island:Dream" in page


def test_rubber_stamp_skips_change_thresholds_but_not_value_thresholds():
  batch, good, worse = _penguin_rows()
  config = _penguin_config(accuracy=0.6)
  del config.model_specs[1:]
  evaluation = tfma.Evaluation(config)
  evaluation.add(batch, {"candidate": worse})
  result = evaluation.result()
  stamped = tfma.validate(config, result, "candidate", rubber_stamp=True)
  assert stamped.validation_ok and stamped.rubber_stamp
  strict = tfma.validate(_penguin_config(accuracy=0.9), result, "candidate", rubber_stamp=True)
  assert not strict.validation_ok
  assert "outside [0.9, inf]" in tfma.failures_text(strict)[0]


def test_per_slice_thresholds_and_missing_slices():
  batch, good, _ = _penguin_rows()
  config = _penguin_config()
  del config.model_specs[1:]
  metric = config.metrics_specs[0].metrics[1]
  metric.ClearField("threshold")
  metric.per_slice_thresholds.add(
      slicing_specs=[tfma.SlicingSpec(feature_values={"island": "Dream"}),
                     tfma.SlicingSpec(feature_values={"island": "Atlantis"})],
      threshold=tfma.MetricThreshold(value_threshold=tfma.GenericValueThreshold(
          upper_bound={"value": 0.5})))
  evaluation = tfma.Evaluation(config)
  evaluation.add(batch, {"candidate": good})
  validation = tfma.validate(config, evaluation.result(), "candidate", rubber_stamp=True)
  assert not validation.validation_ok
  assert len(validation.metric_validations_per_slice) == 1  # Only Dream's slice was checked.
  assert validation.metric_validations_per_slice[0].slice_key.single_slice_keys[0].bytes_value \
      == b"Dream"
  assert [dict(s.feature_values) for s in validation.missing_slices] == [{"island": "Atlantis"}]


def test_no_thresholds_bless_only_a_rubber_stamp():
  batch, good, _ = _penguin_rows()
  config = tfma.EvalConfig(model_specs=[tfma.ModelSpec(label_key="species")],
                           metrics_specs=tfma.metrics.specs_from_metrics(
                               [tfma.metrics.SparseCategoricalAccuracy()]))
  evaluation = tfma.Evaluation(config)
  evaluation.add(batch, {"": good})
  result = evaluation.result()
  assert tfma.validate(config, result, "", rubber_stamp=True).validation_ok
  validation = tfma.validate(config, result, "", rubber_stamp=False)
  assert not validation.validation_ok and validation.missing_thresholds


def test_multi_class_binary_metrics_per_class_and_regression():
  batch, good, worse = _penguin_rows()
  config = tfma.EvalConfig(
      model_specs=[tfma.ModelSpec(label_key="species")],
      metrics_specs=tfma.metrics.specs_from_metrics(
          [tfma.metrics.AUC(), tfma.metrics.SparseTopKCategoricalAccuracy(k=2),
           tfma.metrics.MultiClassConfusionMatrixPlot()],
          binarize=tfma.BinarizationOptions(class_ids={"values": [0, 2]})))
  evaluation = tfma.Evaluation(config)
  evaluation.add(batch, {"": worse})
  overall = evaluation.result().slice(())
  species = batch["species"].to_numpy()
  ones = np.ones(len(species))
  for c in (0, 2):
    assert overall.metrics[tfma.MetricKey("auc", class_id=c)] == pytest.approx(
        _pairwise_auc((species == c).astype(int), worse[:, c], ones), abs=1e-12)
  per_class = [_pairwise_auc((species == c).astype(int), worse[:, c], ones) for c in range(3)]
  counts = np.bincount(species, minlength=3)
  for aggregate, expected in [("macro_average", np.mean(per_class)),
                              ("weighted_macro_average", per_class @ counts / counts.sum()),
                              ("micro_average", None)]:
    averaged = tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(label_key="species")],
        metrics_specs=tfma.metrics.specs_from_metrics(
            [tfma.metrics.AUC()], aggregate=tfma.AggregationOptions(**{aggregate: True})))
    evaluation = tfma.Evaluation(averaged)
    evaluation.add(batch, {"": worse})
    [(key, value)] = evaluation.result().slice(()).metrics.items()
    assert key.aggregation == aggregate and key.proto().aggregation_type.WhichOneof("type") \
        == aggregate
    if expected is not None:
      assert value == pytest.approx(expected, abs=1e-12)
  regression = tfma.EvalConfig(
      model_specs=[tfma.ModelSpec(label_key="y")],
      metrics_specs=tfma.metrics.specs_from_metrics(
          [tfma.metrics.MeanSquaredError(), tfma.metrics.MeanAbsoluteError(),
           tfma.metrics.R2Score()]))
  y = np.linspace(1, 10, 50)
  evaluation = tfma.Evaluation(regression)
  evaluation.add(pa.RecordBatch.from_pydict({"y": y}), {"": y + 0.5})
  m = {k.name: v for k, v in evaluation.result().slice(()).metrics.items()}
  assert m["mean_squared_error"] == pytest.approx(0.25)
  assert m["mean_absolute_error"] == pytest.approx(0.5)
  assert m["r2_score"] == pytest.approx(1 - 0.25 * 50 / np.sum((y - y.mean()) ** 2))


def test_tfx_eval_config_text_loads_unchanged():
  config = tfma.parse_eval_config("""
    model_specs { label_key: "tips" signature_name: "serving_default" }
    slicing_specs {}
    slicing_specs { feature_keys: "trip_start_hour" }
    metrics_specs {
      metrics { class_name: "ExampleCount" }
      metrics { class_name: "BinaryAccuracy"
                threshold { value_threshold { lower_bound { value: 0.6 } }
                            change_threshold { direction: HIGHER_IS_BETTER
                                               absolute { value: -1e-10 } } } }
      metrics { class_name: "AUC" config: '"num_thresholds": 10000' }
    }""")
  assert config.metrics_specs[0].metrics[1].threshold.value_threshold.lower_bound.value == 0.6
  tfma.check_config(config)
  assert tfma.parse_eval_config('{"modelSpecs": [{"labelKey": "tips"}]}').model_specs[0] \
      .label_key == "tips"


@pytest.mark.parametrize("change, message", [
    (lambda c: c.metrics_specs[0].metrics.add(class_name="Exactness"),
     "unknown metric class_name 'Exactness'"),
    (lambda c: c.metrics_specs[0].metrics[1].threshold.value_threshold.upper_bound.__setattr__(
        "value", 0.1), "lower_bound 0.6 > upper_bound 0.1"),
    (lambda c: c.metrics_specs[0].metrics.add(class_name="AUC", config='"curvy": 1'),
     "metric AUC: unknown argument"),
    (lambda c: c.metrics_specs[0].metrics.add(class_name="AUC", config="{not json"),
     "config is not JSON"),
    (lambda c: c.cross_slicing_specs.add(), "slicing_specs .* are empty"),
    (lambda c: c.metrics_specs[0].metrics[1].cross_slice_thresholds.add(),
     "cross_slice_thresholds are not supported yet"),
])
def test_config_errors_name_the_field(change, message):
  config = _penguin_config()
  change(config)
  with pytest.raises(ValueError, match=message):
    tfma.Evaluation(config)


def test_data_errors_name_the_column_and_row():
  batch, good, _ = _penguin_rows(20)
  config = _penguin_config()
  del config.model_specs[1:]
  config.model_specs[0].label_key = "kind"
  with pytest.raises(ValueError, match="label_key 'kind' is not a column of the eval examples; "
                                       "they have species, island"):
    tfma.Evaluation(config).add(batch, {"candidate": good})
  config.model_specs[0].label_key = "species"
  config.slicing_specs.add(feature_keys=["sex"])
  with pytest.raises(ValueError, match="slicing feature 'sex' is not a column"):
    tfma.Evaluation(config).add(batch, {"candidate": good})
  del config.slicing_specs[-1]
  with pytest.raises(ValueError, match="needs one prediction per class"):
    tfma.Evaluation(config).add(batch, {"candidate": good[:, 0]})
  with pytest.raises(ValueError, match="row 4: prediction nan"):
    bad = good.copy()
    bad[4, 1] = math.nan
    tfma.Evaluation(config).add(batch, {"candidate": bad})
  with pytest.raises(ValueError, match="holds no examples"):
    tfma.Evaluation(config).result()
  binary = _binary_config()
  labels = pa.RecordBatch.from_pydict({"label": [0, 2], "weight": [1.0, 1.0], "group": ["a", "b"],
                                       "size": [0, 1]})
  with pytest.raises(ValueError, match=r"row 1: label 2 is outside \[0, 1\]"):
    tfma.Evaluation(binary).add(labels, {"": np.array([0.1, 0.9])})


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs headless Chromium")
def test_report_sorts_slices_and_draws_plots_in_chromium(tmp_path):
  batch, scores = _binary_batch()
  config = _binary_config()
  evaluation = tfma.Evaluation(config)
  evaluation.add(batch, {"": scores})
  result = evaluation.result()
  page = tfma.evaluation_html(result, tfma.validate(config, result, "", rubber_stamp=True), "")
  script = """
    var heads = document.querySelectorAll("table.sortable th"), auc = -1;
    heads.forEach(function (h, i) { if (h.textContent === "auc") auc = i; });
    heads[auc].click();
    var rows = document.querySelectorAll("table.sortable tbody tr");
    var values = Array.prototype.map.call(rows, function (r) { return r.cells[auc].dataset.v; });
    document.body.setAttribute("data-out", [values.join(","), document.querySelectorAll(
        "svg polyline").length, document.documentElement.scrollWidth].join("|"));
  """
  path = tmp_path / "report.html"
  path.write_text(page.replace("</body>", "<script>%s</script></body>" % script))
  dom = subprocess.run([shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu",
                        "--window-size=1280,900", "--dump-dom", path.as_uri()],
                       capture_output=True, text=True, timeout=120, check=True).stdout
  values, lines, width = re.search(r'data-out="([^"]*)"', dom).group(1).split("|")
  aucs = [float(v) for v in values.split(",")]
  assert aucs == sorted(aucs, reverse=True) and len(aucs) == len(result.slices)
  assert int(lines) == 3 * len(result.slices)  # ROC, PR and calibration per slice drawn.
  assert int(width) <= 1280  # The wide table scrolls inside its box, not the page.
