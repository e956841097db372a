"""Statistics and anomalies reports over real statistics of the bundled example data."""

import os
import re
import shutil
import subprocess

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv
import pytest

import tfx_core.examples
from tfx_core.proto import anomalies_pb2, statistics_pb2
from tfx_core.validation import _report
from tfx_core.validation._statistics import StatsOptions, generate_statistics
from tfx_core.validation._validate import jensen_shannon, validate_statistics

_DATA = os.path.join(os.path.dirname(os.path.abspath(tfx_core.examples.__file__)), "data")
AnomalyInfo = anomalies_pb2.AnomalyInfo
Measurement = anomalies_pb2.DriftSkewInfo.Measurement


@pytest.fixture(scope="module")
def penguin():
  return pyarrow.csv.read_csv(os.path.join(_DATA, "penguin", "penguins_processed.csv"))


@pytest.fixture(scope="module")
def taxi():
  return pyarrow.csv.read_csv(os.path.join(_DATA, "chicago_taxi", "data.csv"))


def test_single_dataset_page(penguin):
  page = _report.statistics_html([("penguins", generate_statistics(penguin))])
  assert page.startswith("<!DOCTYPE html>") and "http" not in page and " src=" not in page
  assert page.count("<script>") == 1 and "<link" not in page  # Inline only.
  for name in penguin.column_names:
    assert "<h3>%s <span" % name in page
  assert ">334<" in page  # num_examples
  # Per numeric feature: the linear, log and quantile views of its histograms.
  assert page.count("<svg") == 3 * len(penguin.column_names)
  for view in ("linear", "log", "quantiles"):
    assert page.count('<div class="v-%s"><svg' % view) == len(penguin.column_names)
  assert "JS divergence" not in page  # One dataset: nothing to compare.
  assert "Categorical features" not in page
  assert 'class="missing' not in page  # Penguins lack nothing.
  assert "<th>weighted count</th>" not in page


def test_taxi_missing_values_are_highlighted(taxi):
  page = _report.statistics_html([("taxi", generate_statistics(taxi))], title="Taxi")
  assert "<title>Taxi</title>" in page and ">15,002<" in page
  assert "Numeric features (16)" in page and "Categorical features (2)" in page
  # pickup_census_tract is missing in 15,001 of 15,002 rows; trip_seconds in 6.
  section = re.search(r'<h3>pickup_census_tract .*?</section>', page).group(0)
  assert '<td class="missing-high">15,001 (99.99%)</td>' in section
  section = re.search(r'<h3>trip_seconds .*?</section>', page).group(0)
  assert '<td class="missing">6 (0.04%)</td>' in section
  section = re.search(r'<h3>payment_type .*?</section>', page).group(0)
  assert '<th>top value</th><td class="v">Cash</td>' in section
  assert section.count("<svg") == 1 and "<rect" in section


def test_comparison_marks_absent_features(taxi):
  cash = taxi.filter(pc.equal(taxi["payment_type"], "Cash")).drop_columns(["tips", "company"])
  page = _report.statistics_html([("all trips", generate_statistics(taxi)),
                                  ("cash", generate_statistics(cash))])
  assert "all trips</td>" in page and "cash</td>" in page
  assert ">%s<" % format(cash.num_rows, ",") in page
  section = re.search(r'<h3>tips .*?</section>', page).group(0)
  assert section.count('<td class="missing-high" title="absent from cash">\u2014</td>') == 8
  assert "<figcaption>equal-width buckets; count</figcaption>" in section
  assert section.count('class="legend"') == 0
  section = re.search(r'<h3>fare .*?</section>', page).group(0)
  assert 'class="legend"' in section  # Two overlaid histograms, as shares of each dataset.
  colours = _report._colours(["all trips", "cash"])
  assert "share of each dataset" in section
  assert all('fill="%s"' % c in section for c in colours.values())
  section = re.search(r'<h3>company .*?</section>', page).group(0)
  assert section.count("<svg") == 1  # Only "all trips" has top values to chart.


def test_values_labels_and_slices_are_escaped():
  table = pa.table({"x": ["<script>", "a&b", None], "w": [1.0, 2.0, 3.0],
                    "<b>": [float("nan"), float("inf"), -1.0]})
  stats = generate_statistics(table, StatsOptions(weight_feature="w", slice_features=["x"]))
  page = _report.statistics_html([("<i>", stats)])
  assert page.count("<script>") == 1 and "<b>" not in page and "<i>" not in page
  assert "&lt;script&gt;" in page and "a&amp;b" in page and "&lt;b&gt;" in page
  assert "&lt;i&gt; / x_&lt;script&gt;" in page  # A slice's column.
  assert "<th>weighted count</th>" in page and "<th>weighted mean</th>" in page


def test_degenerate_inputs_do_not_crash():
  empty = statistics_pb2.DatasetFeatureStatisticsList()
  assert "No datasets." in _report.statistics_html([])
  assert ">0<" in _report.statistics_html([("nothing", empty)])
  nulls = generate_statistics(pa.table({"x": pa.array([None, None], pa.float64())}))
  page = _report.statistics_html([("a", nulls), ("b", empty)])
  assert "<p>no values</p>" in page and '<td class="missing-high">2 (100%)</td>' in page


def _anomalies():
  anomalies = anomalies_pb2.Anomalies()
  fare = anomalies.anomaly_info["fare"]
  fare.severity = AnomalyInfo.ERROR
  fare.short_description = "Out-of-range values"
  fare.description = "Unexpectedly low values: -3 < 0."
  fare.reason.add(type=AnomalyInfo.FLOAT_TYPE_SMALL_FLOAT, short_description="Out-of-range values",
                  description="Unexpectedly low values: -3 < 0.")
  company = anomalies.anomaly_info["company"]
  company.severity = AnomalyInfo.WARNING
  company.short_description = "Unexpected string values"
  company.description = "Examples contain values missing from the schema: <Acme> (~1%)."
  company.reason.add(type=AnomalyInfo.ENUM_TYPE_UNEXPECTED_STRING_VALUES)
  info = anomalies.drift_skew_info.add()
  info.path.step.append("payment_type")
  info.skew_measurements.add(type=Measurement.L_INFTY, value=0.31, threshold=0.1)
  info.drift_measurements.add(type=Measurement.JENSEN_SHANNON_DIVERGENCE, value=0.0123456,
                              threshold=0.05)
  return anomalies


def test_anomalies_text():
  assert _report.anomalies_text(_anomalies()) == (
      "company: WARNING Unexpected string values: Examples contain values missing from the "
      "schema: <Acme> (~1%).\n"
      "fare: ERROR Out-of-range values: Unexpectedly low values: -3 < 0.\n"
      "payment_type: skew L_INFTY = 0.31 (threshold 0.1) EXCEEDED\n"
      "payment_type: drift JENSEN_SHANNON_DIVERGENCE = 0.01235 (threshold 0.05)")
  assert _report.anomalies_text(anomalies_pb2.Anomalies()) == "No anomalies found."


def test_anomalies_html():
  page = _report.anomalies_html(_anomalies())
  assert '<tr class="error"><td>fare</td><td>ERROR</td>' in page
  assert '<tr class="warning"><td>company</td><td>WARNING</td>' in page
  assert "<b>FLOAT_TYPE_SMALL_FLOAT</b>" in page and "ENUM_TYPE_UNEXPECTED_STRING_VALUES" in page
  assert "&lt;Acme&gt;" in page and "<Acme>" not in page
  assert "No anomalies found" not in page
  assert ('<tr class="exceeded"><td>payment_type</td><td>skew</td><td>L_INFTY</td>'
          '<td class="n">0.31</td><td class="n">0.1</td><td>exceeded</td></tr>') in page
  assert ("<tr><td>payment_type</td><td>drift</td><td>JENSEN_SHANNON_DIVERGENCE</td>"
          '<td class="n">0.01235</td><td class="n">0.05</td><td>within</td></tr>') in page
  # Only skew and drift: no anomalies, but the measurements are still shown.
  only_drift = _anomalies()
  only_drift.ClearField("anomaly_info")
  page = _report.anomalies_html(only_drift)
  assert '<p class="ok">No anomalies found.</p>' in page and "Skew and drift" in page


# Histogram views, split colours, sorting keys and the other Facets-like parts.

_RECT = re.compile(r'<rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"'
                   r'[^>]*><title>([^<]*)</title>')


def _section(page, name):
  return re.search(r'<h3>%s <.*?</section>' % re.escape(name), page, re.S).group(0)


def _view(section, view):
  """[(x, y, width, height, tooltip)] of the bars of one view of a feature's histogram."""
  svg = re.search(r'<div class="v-%s">(.*?)</div>' % view, section, re.S).group(1)
  return [(float(x), float(y), float(w), float(h), t) for x, y, w, h, t in _RECT.findall(svg)]


@pytest.fixture(scope="module")
def taxi_splits(taxi):
  """The taxi data split 4:1 into train and eval, as statistics."""
  rows = np.arange(taxi.num_rows)
  return (generate_statistics(taxi.filter(pa.array(rows % 5 != 0))),
          generate_statistics(taxi.filter(pa.array(rows % 5 == 0))))


@pytest.mark.parametrize("name", ["fare", "trip_miles", "trip_seconds", "tips"])
def test_log_and_quantile_views_show_outlier_skewed_shapes(taxi, name):
  section = _section(_report.statistics_html([("taxi", generate_statistics(taxi))]), name)
  linear, log, quantiles = (_view(section, v) for v in ("linear", "log", "quantiles"))
  plot_h = _report._H - _report._BOTTOM - 8
  # Linear: one bucket holds (nearly) everything, the others are (nearly) invisible.
  heights = sorted(h for _, _, _, h, _ in linear)
  assert heights[-1] == pytest.approx(plot_h) and heights[-2] < 0.07 * plot_h
  # Log: every non-empty bucket has a visible bar, in the order of their counts.
  counts = [float(t.split(": ")[-1].replace(",", "")) for *_, t in log]
  assert [h >= 1 for _, _, _, h, _ in log] == [c > 0 for c in counts]
  assert sorted(range(10), key=lambda i: log[i][3]) == sorted(range(10), key=counts.__getitem__)
  # Quantiles: 10 buckets of 10% each from left to right, rising, of many different heights.
  assert len(quantiles) == 10 and quantiles[-1][4].startswith("taxi: 90%\u2013100%: [")
  assert [x for x, *_ in quantiles] == sorted(x for x, *_ in quantiles)
  assert len({round(h) for _, _, _, h, _ in quantiles}) >= 4
  tops = [y for _, y, _, _, _ in quantiles]
  assert tops == sorted(tops, reverse=True)  # SVG y grows downwards.
  # The outlying tail is cut at the top and labelled with the maximum.
  stats = next(f.num_stats for f in generate_statistics(taxi).datasets[0].features
               if f.path.step == [name])
  assert "\u2191%s</text>" % _report._short(stats.max) in section
  assert 'stroke-dasharray="3 3"' in section


def test_infinite_buckets_are_end_bars_outside_the_axis():
  values = [float("-inf")] * 2 + [1.0, 2.0, 2.5, 3.0] + [float("inf")] * 3 + [float("nan")]
  page = _report.statistics_html([("x", generate_statistics(pa.table({"v": values})))])
  section = _section(page, "v")
  bars = _view(section, "linear")
  low = [b for b in bars if b[4] == "x: -inf: 2"]
  high = [b for b in bars if b[4] == "x: inf: 3"]
  finite = [b for b in bars if b not in low + high]
  assert len(low) == len(high) == 1 and len(finite) == 10
  axis = re.search(r'<div class="v-linear">.*?<line x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"',
                   section, re.S)
  axis_from, axis_to = float(axis.group(1)), float(axis.group(2))
  assert low[0][0] + low[0][2] < axis_from and high[0][0] > axis_to  # Outside the axis.
  assert all(axis_from <= x and x + w <= axis_to + 1 for x, _, w, _, _ in finite)
  assert all(0 <= x and x + w <= _report._W for x, _, w, _, _ in bars)
  assert ">-inf</text>" in section and ">inf</text>" in section
  assert ">1</text>" in section and ">3</text>" in section  # The finite axis: 1 to 3.
  assert "NaN: x 1" in section
  # The quantile view cuts infinite bounds at the plot's edges, labelled.
  quantiles = _view(section, "quantiles")
  assert all(0 <= y and y + h <= _report._H for _, y, _, h, _ in quantiles)
  assert "\u2191inf</text>" in section and "\u2193-inf</text>" in section
  assert ">1</text>" in section.split('class="v-quantiles"')[1]  # The finite axis: 1 to 3.


def test_view_switch_works_without_script(taxi):
  page = _report.statistics_html([("taxi", generate_statistics(taxi))])
  radios = re.findall(r'<input type="radio" name="view" value="(\w+)"( checked)?>', page)
  assert radios == [("linear", " checked"), ("log", ""), ("quantiles", "")]
  # CSS alone hides the views the switch does not select.
  assert "body:has(input[name=view][value=linear]:checked) .v-log" in page
  assert "body:has(input[name=view][value=quantiles]:checked) .v-linear" in page
  # Sorting and filtering need the script: hidden until it runs.
  assert '<span id="sort-filter" hidden>' in page


def test_sorting_keys_and_distance(taxi_splits):
  train, eval_ = taxi_splits
  page = _report.statistics_html([("train", train), ("eval", eval_)])
  options = re.findall(r'<option value="(\w+)">', page)
  assert options == ["name", "missing", "distance"]
  fare = [next(f for f in s.datasets[0].features if f.path.step == ["fare"]) for s in taxi_splits]
  distance = jensen_shannon(*fare)
  assert distance > 0.01
  section = _section(page, "fare")
  assert "JS divergence %.3g</span>" % distance in section
  assert ('<a href="#f4" data-name="fare" data-missing="0" data-distance="%.6g"' % distance
          in page)
  # pickup_census_tract: 1 value in train, none in eval: missing is the larger share, and the
  # distance is undefined (-1, sorted last).
  assert re.search(r'<section class="feature" id="f\d+" data-name="pickup_census_tract" '
                   r'data-missing="1" data-distance="-1">', page)
  assert "JS divergence n/a" in _section(page, "pickup_census_tract")
  # Every feature is in the navigation, once, grouped like the sections.
  links = re.findall(r'<a href="#(f\d+)" data-name="([^"]+)"', page)
  assert len(links) == 18 and [n for _, n in links] == sorted(n for _, n in links[:16]) + [
      "company", "payment_type"]
  assert all('id="%s" data-name="%s"' % link in page for link in links)


def test_navigation_of_many_features_wraps():
  table = pa.table({"feature_%02d_%s" % (i, "x" * i): [float(i), 1.0] for i in range(40)})
  page = _report.statistics_html([("train", generate_statistics(table))])
  nav = re.search(r"<nav>(.*?)</nav>", page, re.S).group(1)
  assert nav.count("<a href=") == 40
  assert "nav .group { display: flex; flex-wrap: wrap;" in page
  assert "overflow-wrap: anywhere" in page  # Names longer than a line break, not overflow.


def test_split_colours_are_the_same_in_every_report(taxi_splits):
  train, eval_ = taxi_splits

  def colours(page):
    return dict((label, colour) for colour, label in re.findall(
        r'<tr><td><span class="key" style="background:(#\w+)"></span>([^<]+)</td>', page))

  one = colours(_report.statistics_html([("eval", eval_), ("train", train)]))
  two = colours(_report.statistics_html([("train", train), ("holdout", eval_),
                                         ("serving", eval_)]))
  three = colours(_report.statistics_html([("holdout", eval_), ("eval", eval_)]))
  assert one == {"train": "#4e79a7", "eval": "#f28e2b"}
  assert two["train"] == "#4e79a7" and two["serving"] == "#59a14f"
  assert two["holdout"] == three["holdout"]
  assert two["holdout"] not in _report._SPLIT_COLOURS.values()
  labels = ["split_%d" % i for i in range(7)] + ["train", "eval", "serving"]
  assert len(set(_report._colours(labels).values())) == 10  # Distinct within one report.
  # A legend at the top.
  page = _report.statistics_html([("eval", eval_), ("train", train)])
  assert re.search(r'<div class="controls"><div class="legend"><span class="item"><span '
                   r'class="key" style="background:#f28e2b"></span>eval</span>', page)


def test_a_feature_without_values_says_so():
  table = pa.table({"empty": pa.array([None, None, None], pa.float64()),
                    "words": pa.array([None, None, None], pa.string()), "x": [1.0, 0.0, 2.0]})
  page = _report.statistics_html([("train", generate_statistics(table))])
  section = _section(page, "empty")
  for row in ("mean", "std dev", "zeros", "min", "median", "max"):
    assert "<tr><th>%s</th><td class=\"none\">no values</td></tr>" % row in section
  assert "<p>no values</p>" in section and "<rect" not in section
  assert '<td class="missing-high">3 (100%)</td>' in section
  section = _section(page, "words")
  for row in ("unique", "avg length", "top value"):
    assert "<tr><th>%s</th><td class=\"none\">no values</td></tr>" % row in section
  section = _section(page, "x")
  assert "<tr><th>min</th><td class=\"n\">0</td></tr>" in section  # A real 0 stays 0.


def test_title_and_subtitle():
  page = _report.statistics_html([], title="Statistics of <CsvExampleGen.examples> 7",
                                 subtitle="pipeline taxi, run 2024-05-01")
  assert "<title>Statistics of &lt;CsvExampleGen.examples&gt; 7</title>" in page
  assert "<h1>Statistics of &lt;CsvExampleGen.examples&gt; 7</h1>" in page
  assert '<p class="subtitle">pipeline taxi, run 2024-05-01</p>' in page
  page = _report.anomalies_html(anomalies_pb2.Anomalies(), title="Anomalies of split eval",
                                subtitle="ExampleValidator, execution 9")
  assert "<h1>Anomalies of split eval</h1>" in page and "execution 9</p>" in page


@pytest.fixture(scope="module")
def drift(taxi):
  """Statistics of early and late taxi trips, serving data without tips, and the anomalies."""
  is_late = pc.greater_equal(taxi["trip_start_timestamp"], 1420000000)
  early = generate_statistics(taxi.filter(pc.invert(is_late)))
  late = generate_statistics(taxi.filter(is_late))
  serving = generate_statistics(taxi.filter(is_late).drop_columns(["tips"]))
  schema = tfx_core.validation.infer_schema(early)
  anomalies = validate_statistics(late, schema, previous_statistics=early,
                                  serving_statistics=serving,
                                  default_thresholds={"infinity_norm": 0.01,
                                                      "jensen_shannon_divergence": 0.01})
  return anomalies, late, early, serving


def test_anomalies_html_draws_compared_distributions(drift):
  anomalies, late, early, serving = drift
  page = _report.anomalies_html(anomalies, statistics=late, previous_statistics=early,
                                serving_statistics=serving, split="train")
  assert "<h2>Compared distributions</h2>" in page
  measured = {(".".join(i.path.step), kind) for i in anomalies.drift_skew_info
              for kind, ms in (("skew", i.skew_measurements), ("drift", i.drift_measurements))
              if ms}
  headings = re.findall(r'<h3>([^ <]+) <span class="kind">(\w+): train vs ([\w ]+)</span>',
                        page)
  assert {(n, k) for n, k, _ in headings} == measured and len(headings) == len(measured)
  assert {(k, other) for _, k, other in headings} == {("skew", "serving"),
                                                       ("drift", "previous train")}
  # Over the threshold first: fare's drift (JSD 0.3) comes before any comparison within.
  order = [(n, k) for n, k, _ in headings]
  exceeded = {(".".join(i.path.step), "drift") for i in anomalies.drift_skew_info
              for m in i.drift_measurements if m.value > m.threshold}
  assert ("fare", "drift") in exceeded and set(order[:len(exceeded)]) == exceeded
  fare = _section(page, "fare")
  value = next(m.value for i in anomalies.drift_skew_info if i.path.step == ["fare"]
               for m in i.drift_measurements)
  assert '<td>drift</td><td>JENSEN_SHANNON_DIVERGENCE</td><td class="n">%s</td>' % (
      _report._num(value)) in fare
  # Side by side: a figure per dataset, each with its three views, on the same axes.
  assert fare.count("<figure>") == 2 and fare.count('<div class="v-quantiles"><svg') == 2
  assert re.findall(r'class="key" style="background:(#\w+)"></span>(train|previous train)',
                    fare)[:2] == [("#4e79a7", "train"), (_report._colours(["previous train"])[
                        "previous train"], "previous train")]
  left, right = fare.split("</figure>")[:2]
  assert re.findall(r'<div class="v-linear">.*?text-anchor="end">([^<]+)</text>', left, re.S) == \
      re.findall(r'<div class="v-linear">.*?text-anchor="end">([^<]+)</text>', right, re.S)
  # Categorical: the same values on the rows of both sides, as shares.
  company = _section(page, "company")
  rows = [re.findall(r"<g><title>([^<]*): [^<]*</title>", side)
          for side in company.split("</figure>")[:2]]
  assert rows[0] == rows[1] and len(rows[0]) >= 10 and "%</text>" in company
  # The control data lacks tips: no skew section for it, and the page still names the anomaly.
  assert ("tips", "skew") not in order and "COMPARATOR_CONTROL_DATA_MISSING" in page
  # The switch is on the page; without statistics there are no charts.
  assert '<input type="radio" name="view" value="quantiles">' in page
  plain = _report.anomalies_html(anomalies)
  assert "Compared distributions" not in plain and "<svg" not in plain


def _chromium(page, script, tmp_path):
  """The DOM Chromium (headless, 1280px wide) dumps after `script` ran at the end of `page`."""
  path = tmp_path / "page.html"
  path.write_text(page.replace("</body>", "<script>%s</script></body>" % script))
  out = subprocess.run(
      [shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu",
       "--window-size=1280,900", "--dump-dom", path.as_uri()],
      capture_output=True, text=True, timeout=120, check=True).stdout
  return out


_MEASURE = ('document.body.setAttribute("data-widths", document.documentElement.scrollWidth + '
            '" " + window.innerWidth);')


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs headless Chromium")
def test_pages_do_not_overflow_sideways_in_chromium(taxi_splits, drift, tmp_path):
  train, eval_ = taxi_splits
  wide = pa.table({("feature_%02d_" % i) + "long_name" * (i // 8): np.arange(9.0) * i
                   for i in range(40)})
  wide_stats = generate_statistics(wide)
  anomalies, late, early, serving = drift
  pages = [
      _report.statistics_html([("train", train), ("eval", eval_)], title="Statistics of taxi"),
      _report.statistics_html([("train", wide_stats), ("eval", wide_stats),
                               ("a slice with a long label", wide_stats)], title="x" * 300),
      _report.anomalies_html(anomalies, statistics=late, previous_statistics=early,
                             serving_statistics=serving, split="train")]
  for page in pages:
    dom = _chromium(page, _MEASURE, tmp_path)
    scroll, inner = map(int, re.search(r'data-widths="(\d+) (\d+)"', dom).groups())
    assert inner == 1280 and scroll <= inner


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs headless Chromium")
def test_sorting_filtering_and_views_in_chromium(taxi_splits, tmp_path):
  page = _report.statistics_html([("train", taxi_splits[0]), ("eval", taxi_splits[1])])
  script = """
    var bar = document.getElementById("sort-filter"), sort = bar.querySelector("select");
    var filter = bar.querySelector("input"), out = [];
    function names() {
      return Array.prototype.map.call(document.querySelectorAll(
          "section[data-name]:not([hidden])"), function (e) { return e.dataset.name; }).join(",");
    }
    function shown(cls) { return getComputedStyle(document.querySelector(cls)).display; }
    out.push(bar.hidden, shown(".v-linear"), shown(".v-log"), shown(".v-quantiles"));
    document.querySelector("input[value=quantiles]").click();
    out.push(shown(".v-linear"), shown(".v-quantiles"));
    sort.value = "missing"; sort.dispatchEvent(new Event("change")); out.push(names());
    sort.value = "distance"; sort.dispatchEvent(new Event("change"));
    filter.value = "TRIP_"; filter.dispatchEvent(new Event("input")); out.push(names());
    out.push(bar.querySelector(".shown").textContent);
    document.body.setAttribute("data-out", out.join("|"));
  """
  dom = _chromium(page, script, tmp_path)
  out = re.search(r'data-out="([^"]*)"', dom).group(1).split("|")
  assert out[:6] == ["false", "block", "none", "none", "none", "block"]
  # Sorted within their groups (numeric, then categorical), the largest missing share first.
  by_missing = out[6].split(",")

  def missing(name):
    return max(_report._missing_share(_report._stats_of(f).common_stats) for s in taxi_splits
               for f in s.datasets[0].features if f.path.step == [name])

  numeric = [n for n in by_missing if n not in ("company", "payment_type")]
  assert by_missing[16:] == sorted(["company", "payment_type"], key=lambda n: -missing(n))
  assert numeric == sorted(numeric, key=lambda n: (-missing(n), n)) and len(numeric) == 16
  assert numeric[0] == "pickup_census_tract"
  distances = {f.path.step[0]: jensen_shannon(
      f, next(g for g in taxi_splits[1].datasets[0].features if g.path.step == f.path.step))
               for f in taxi_splits[0].datasets[0].features}
  trips = [n for n in distances if n.startswith("trip_")]
  assert out[7].split(",") == sorted(trips, key=lambda n: (-round(distances[n], 5), n))
  assert out[8] == "%d of 18 features" % len(trips)
