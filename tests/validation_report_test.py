"""Statistics and anomalies reports over real statistics of the bundled example data."""

import os
import re

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv
import pytest

import tfx_core.examples
from tfx_core.proto import anomalies_pb2, statistics_pb2
from tfx_core.validation import _report
from tfx_core.validation._statistics import StatsOptions, generate_statistics

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
  assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http" not in page
  for name in penguin.column_names:
    assert "<h3>%s <span" % name in page
  assert ">334<" in page  # num_examples
  assert page.count("<svg") == len(penguin.column_names)  # One histogram per numeric feature.
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
  assert 'class="legend"' not in section and "<figcaption>count</figcaption>" in section
  section = re.search(r'<h3>fare .*?</section>', page).group(0)
  assert 'class="legend"' in section  # Two overlaid histograms, as shares of each dataset.
  assert "share of each dataset" in section and 'fill="#f28e2b"' in section
  section = re.search(r'<h3>company .*?</section>', page).group(0)
  assert section.count("<svg") == 1  # Only "all trips" has top values to chart.


def test_values_labels_and_slices_are_escaped():
  table = pa.table({"x": ["<script>", "a&b", None], "w": [1.0, 2.0, 3.0],
                    "<b>": [float("nan"), float("inf"), -1.0]})
  stats = generate_statistics(table, StatsOptions(weight_feature="w", slice_features=["x"]))
  page = _report.statistics_html([("<i>", stats)])
  assert "<script>" not in page and "<b>" not in page and "<i>" not in page
  assert "&lt;script&gt;" in page and "a&amp;b" in page and "&lt;b&gt;" in page
  assert "&lt;i&gt; / x_&lt;script&gt;" in page  # A slice's column.
  assert "<th>weighted count</th>" in page and "<th>weighted mean</th>" in page


def test_degenerate_inputs_do_not_crash():
  empty = statistics_pb2.DatasetFeatureStatisticsList()
  assert "No datasets." in _report.statistics_html([])
  assert ">0<" in _report.statistics_html([("nothing", empty)])
  nulls = generate_statistics(pa.table({"x": pa.array([None, None], pa.float64())}))
  page = _report.statistics_html([("a", nulls), ("b", empty)])
  assert "no histogram" in page and '<td class="missing-high">2 (100%)</td>' in page


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
