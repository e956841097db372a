"""Schema inference, anomalies, environments, skew and drift on the penguin and taxi data."""

import os

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest
from google.protobuf import text_format

import tfx_core.examples
from tfx_core import validation
from tfx_core.proto import anomalies_pb2, schema_pb2, statistics_pb2

DATA = os.path.join(os.path.dirname(tfx_core.examples.__file__), "data")
PENGUIN = pacsv.read_csv(os.path.join(DATA, "penguin", "penguins_processed.csv"))
SKEWED = pacsv.read_csv(os.path.join(DATA, "penguin_skewed", "penguins_processed.csv"))
TAXI = pacsv.read_csv(os.path.join(DATA, "chicago_taxi", "data.csv"))
TAXI_SCHEMA = os.path.join(os.path.dirname(__file__), "testdata", "chicago_taxi_schema.pbtxt")
Info = anomalies_pb2.AnomalyInfo
Measurement = anomalies_pb2.DriftSkewInfo.Measurement
THRESHOLDS = {"infinity_norm": 0.01, "jensen_shannon_divergence": 0.01}  # As in TFDV's guide.


def _stats(table):
  return validation.generate_statistics(table)


def _reasons(anomalies):
  return {name: [Info.Type.Name(r.type) for r in info.reason]
          for name, info in anomalies.anomaly_info.items()}


def test_infer_schema_types_shapes_presence_and_domains():
  schema = validation.infer_schema(_stats(TAXI))
  features = {f.name: f for f in schema.feature}
  assert features["fare"].type == schema_pb2.FLOAT
  assert features["trip_start_hour"].type == schema_pb2.INT
  assert features["payment_type"].type == schema_pb2.BYTES
  assert features["trip_start_hour"].presence.min_fraction == 1.0
  assert [d.size for d in features["trip_start_hour"].shape.dim] == [1]
  assert features["pickup_census_tract"].presence.min_fraction == 0.0  # Sometimes missing.
  assert features["pickup_census_tract"].value_count.max == 1
  domains = {d.name: set(d.value) for d in schema.string_domain}
  assert domains["payment_type"] == set(pc.unique(TAXI["payment_type"].drop_null()).to_pylist())
  assert features["payment_type"].domain == "payment_type"
  assert pc.count_distinct(TAXI["company"]).as_py() == 62 and "company" in domains
  smaller = validation.infer_schema(_stats(TAXI), max_string_domain_size=61)
  assert "company" not in {d.name for d in smaller.string_domain}
  assert validation.validate_statistics(_stats(TAXI), schema).anomaly_info == {}


def test_an_inferred_schema_accepts_the_data_it_came_from():
  never = TAXI.append_column("never_present", pa.nulls(TAXI.num_rows, pa.float64()))
  for table in (PENGUIN, SKEWED, TAXI, never):
    schema = validation.infer_schema(_stats(table))
    assert validation.validate_statistics(_stats(table), schema).anomaly_info == {}
  absent = {f.name: f for f in validation.infer_schema(_stats(never)).feature}["never_present"]
  assert absent.presence.min_count == 0  # TFDV's inference for a feature never present.


def test_imported_taxi_schema_loads_unchanged(tmp_path):
  schema = validation.load_schema(TAXI_SCHEMA)
  assert len(schema.feature) > 10
  with open(TAXI_SCHEMA) as f:
    assert schema == text_format.Parse(f.read(), schema_pb2.Schema())
  bad = tmp_path / "bad.pbtxt"
  bad.write_text('feature { name: "x" typo: 1 }')
  with pytest.raises(ValueError, match=r"bad.pbtxt: not a valid schema.pbtxt: 1:"):
    validation.load_schema(str(bad))


def test_anomalies_against_a_schema():
  schema = validation.infer_schema(_stats(TAXI))
  features = {f.name: f for f in schema.feature}
  features["fare"].float_domain.max = 100.0
  features["trip_start_hour"].int_domain.min = 1
  schema.dataset_constraints.min_examples_count = 20000
  changed = TAXI.drop_columns(["company"]).append_column("surprise", pa.array([1] * 15002))
  payment = TAXI["payment_type"].to_pylist()
  payment[:300] = ["Bitcoin"] * 300  # 2% of the rows.
  changed = changed.set_column(changed.column_names.index("payment_type"), "payment_type",
                               pa.array(payment))
  changed = changed.set_column(changed.column_names.index("trip_start_hour"), "trip_start_hour",
                               pc.cast(TAXI["trip_start_hour"], pa.string()))
  anomalies = validation.validate_statistics(_stats(changed), schema)
  reasons = _reasons(anomalies)
  assert reasons["company"] == ["SCHEMA_MISSING_COLUMN"]
  assert reasons["surprise"] == ["SCHEMA_NEW_COLUMN"]
  # As TFDV: the type is wrong, and the numbers read as strings still miss the domain's min.
  assert reasons["trip_start_hour"] == ["UNEXPECTED_DATA_TYPE", "INT_TYPE_SMALL_INT"]
  assert reasons["fare"] == ["FLOAT_TYPE_BIG_FLOAT"]
  assert reasons["payment_type"] == ["ENUM_TYPE_UNEXPECTED_STRING_VALUES"]
  assert "Bitcoin (~1%)" in anomalies.anomaly_info["payment_type"].description
  assert anomalies.anomaly_info["company"].severity == Info.ERROR
  assert [Info.Type.Name(r.type) for r in anomalies.dataset_anomaly_info.reason] == [
      "DATASET_LOW_NUM_EXAMPLES"]
  assert validation.max_severity(anomalies) == Info.ERROR
  nan = pa.table({"x": [1.0, float("nan")], "n": [[1, 2], [1, 2, 3]]})
  nan_schema = validation.infer_schema(_stats(nan))
  nan_schema.feature[1].float_domain.disallow_nan = True
  nan_schema.feature[0].value_count.max = 2
  assert _reasons(validation.validate_statistics(_stats(nan), nan_schema)) == {
      "n": ["FEATURE_TYPE_HIGH_NUMBER_VALUES"], "x": ["FLOAT_TYPE_HAS_NAN"]}


def test_environments_label_required_in_training_only():
  schema = validation.infer_schema(_stats(PENGUIN))
  schema.default_environment[:] = ["TRAINING", "SERVING"]
  [label] = [f for f in schema.feature if f.name == "species"]
  label.not_in_environment.append("SERVING")
  serving = _stats(PENGUIN.drop_columns(["species"]))
  assert _reasons(validation.validate_statistics(serving, schema)) == {
      "species": ["SCHEMA_MISSING_COLUMN"]}
  assert validation.validate_statistics(serving, schema, environment="SERVING").anomaly_info == {}
  assert _reasons(validation.validate_statistics(serving, schema, environment="TRAINING")) == {
      "species": ["SCHEMA_MISSING_COLUMN"]}


def test_skewed_penguins_are_flagged_and_the_labelled_ones_are_not():
  train = _stats(PENGUIN)
  schema = validation.infer_schema(train)
  skewed = _stats(SKEWED)
  same = validation.validate_statistics(train, schema, serving_statistics=train,
                                        previous_statistics=train, default_thresholds=THRESHOLDS)
  assert same.anomaly_info == {}
  skew_values = [m.value for i in same.drift_skew_info for m in i.skew_measurements]
  drift_values = [m.value for i in same.drift_skew_info for m in i.drift_measurements]
  assert skew_values == [0.0] * 5 and drift_values == [0.0] * 5  # Reported though under.
  skew = validation.validate_statistics(train, schema, serving_statistics=skewed,
                                        default_thresholds=THRESHOLDS)
  assert "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH" in _reasons(skew)["culmen_length_mm"]
  drift = validation.validate_statistics(skewed, schema, previous_statistics=train,
                                         default_thresholds=THRESHOLDS)
  assert "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH" in _reasons(drift)["culmen_length_mm"]
  info = {".".join(i.path.step): i for i in skew.drift_skew_info}
  assert len(info) == 5  # Every feature is measured, flagged or not.
  assert all(m.threshold == 0.01 for i in info.values() for m in i.skew_measurements)
  # A schema comparator takes precedence over the defaults.
  [culmen] = [f for f in schema.feature if f.name == "culmen_length_mm"]
  culmen.skew_comparator.jensen_shannon_divergence.threshold = 0.99
  relaxed = validation.validate_statistics(train, schema, serving_statistics=skewed,
                                           default_thresholds=THRESHOLDS)
  assert "culmen_length_mm" not in relaxed.anomaly_info


def test_distances():
  a = _stats(pa.table({"s": ["x"] * 60 + ["y"] * 40, "v": list(range(100))}))
  b = _stats(pa.table({"s": ["x"] * 30 + ["y"] * 30 + ["z"] * 40, "v": list(range(50, 150))}))
  fa, fb = validation.get_feature(a, "s"), validation.get_feature(b, "s")
  assert validation.l_infinity(fa, fb) == pytest.approx(0.4)
  assert validation.l_infinity(fa, fa) == 0.0
  assert 0.0 < validation.jensen_shannon(validation.get_feature(a, "v"),
                                         validation.get_feature(b, "v")) < 1.0
  far = _stats(pa.table({"s": ["x"] * 60 + ["y"] * 40, "v": list(range(1000, 1100))}))
  assert validation.jensen_shannon(validation.get_feature(a, "v"),
                                   validation.get_feature(far, "v")) == pytest.approx(1.0)


def _info(anomalies, name):
  info = anomalies.anomaly_info[name]
  return [(Info.Type.Name(r.type), r.short_description, r.description) for r in info.reason]


def test_tfdv_reason_kinds_and_wording():
  schema = validation.infer_schema(_stats(TAXI))
  features = {f.name: f for f in schema.feature}
  features["trip_start_hour"].int_domain.max = 20
  features["fare"].float_domain.max = 100.0
  hour = TAXI["trip_start_hour"].to_pylist()
  hour[:1500] = [None] * 1500  # Shape [1], now missing in 10% of the examples.
  data = TAXI.set_column(TAXI.column_names.index("trip_start_hour"), "trip_start_hour",
                         pa.array(hour, pa.int64()))
  data = data.set_column(data.column_names.index("company"), "company",
                         pa.nulls(data.num_rows, pa.string()))
  anomalies = validation.validate_statistics(_stats(data), schema)
  shape = ("The feature has a shape, but it's not always present (if the feature is nested, "
           "then it should always be present at each nested level) or its value lengths vary.")
  fraction = ("The feature was present in fewer examples than expected: minimum fraction = "
              "1.000000, actual = 0.900013")
  assert _info(anomalies, "trip_start_hour") == [
      ("INVALID_FEATURE_SHAPE", "Feature shape dropped", shape),
      ("FEATURE_TYPE_LOW_FRACTION_PRESENT", "Column dropped", fraction),
      ("INT_TYPE_BIG_INT", "Out-of-range values", "Unexpectedly large value: 23.")]
  info = anomalies.anomaly_info["trip_start_hour"]
  assert info.short_description == "Multiple errors"
  assert info.description == " ".join((shape, fraction, "Unexpectedly large value: 23."))
  fare_max = pc.max(TAXI["fare"]).as_py()
  assert _info(anomalies, "fare") == [(
      "FLOAT_TYPE_BIG_FLOAT", "Out-of-range values",
      "Unexpectedly high value: %.6g>100(upto six significant digits)" % fare_max)]
  assert _info(anomalies, "company") == [  # All null: present in the data, never with a value.
      ("FEATURE_TYPE_NOT_PRESENT", "Column dropped", "The feature was not present in any examples.")]
  assert _info(validation.validate_statistics(_stats(TAXI.drop_columns(["company"])), schema),
               "company") == [("SCHEMA_MISSING_COLUMN", "Column dropped",
                               "Column is completely missing")]


def test_inf_is_found_from_the_standard_fields_as_in_statistics_tfdv_writes():
  schema = validation.infer_schema(_stats(pa.table({"x": [1.0, 2.0]})))
  schema.feature[0].float_domain.disallow_inf = True
  tfdv_stats = text_format.Parse("""
      datasets { num_examples: 2 features { path { step: "x" } type: FLOAT num_stats {
        common_stats { num_non_missing: 2 min_num_values: 1 max_num_values: 1 tot_num_values: 2 }
        mean: 2 min: 1 max: inf } } }""", statistics_pb2.DatasetFeatureStatisticsList())
  for stats in (tfdv_stats, _stats(pa.table({"x": [1.0, float("inf")]}))):
    assert _info(validation.validate_statistics(stats, schema), "x") == [
        ("FLOAT_TYPE_HAS_INF", "Invalid values", "Float feature has Inf values.")]


def test_invalid_utf8_and_unexpected_values():
  table = pa.table({"s": pa.array([b"a", b"b", b"a"], pa.binary())})
  schema = validation.infer_schema(_stats(table))
  bad = pa.table({"s": pa.array([b"a", b"\xff\x05", b"c"] + [b"a"] * 197, pa.binary())})
  assert _info(validation.validate_statistics(_stats(bad), schema), "s") == [
      ("ENUM_TYPE_INVALID_UTF8", "Invalid UTF8 strings",
       "Found strings that were not valid UTF8 strings.")]
  assert not validation.infer_schema(_stats(bad)).string_domain  # No domain from such data.
  new = pa.table({"s": ["a"] * 90 + ["z"] * 9 + ['q"'] * 1})
  assert _info(validation.validate_statistics(_stats(new), schema), "s") == [
      ("ENUM_TYPE_UNEXPECTED_STRING_VALUES", "Unexpected string values",
       'Examples contain values missing from the schema: q\\" (~1%), z (~9%). ')]


def test_strings_of_numbers_get_an_int_domain():
  table = pa.table({"zip": ["60601", "60602", " 60603", "-7"] * 10, "word": ["a", "1"] * 20})
  features = {f.name: f for f in validation.infer_schema(_stats(table)).feature}
  assert features["zip"].type == schema_pb2.BYTES
  assert features["zip"].HasField("int_domain") and not features["zip"].int_domain.HasField("min")
  assert not features["word"].HasField("int_domain") and features["word"].domain == "word"
  schema = validation.infer_schema(_stats(table))
  schema.feature[1].int_domain.max = 60602  # Features sort by name: word, zip.
  odd = pa.table({"zip": ["60601", "606o3"], "word": ["a", "1"]})
  assert _info(validation.validate_statistics(_stats(odd), schema), "zip") == [
      ("INT_TYPE_NOT_INT_STRING", "Invalid values",
       'String values that were not ints were found, such as "606o3".')]
  assert _info(validation.validate_statistics(_stats(table), schema), "zip") == [
      ("INT_TYPE_BIG_INT", "Out-of-range values", "Unexpectedly large value: 60603.")]


def test_comparators_as_tfdv_measures_them():
  schema = validation.infer_schema(_stats(TAXI))
  for f in schema.feature:
    if f.name in ("payment_type", "fare"):
      f.drift_comparator.infinity_norm.threshold = 0.01
      f.skew_comparator.jensen_shannon_divergence.threshold = 0.01
  payment = TAXI["payment_type"].to_pylist()
  payment[:1500] = ["Bitcoin"] * 1500
  current = TAXI.set_column(TAXI.column_names.index("payment_type"), "payment_type",
                            pa.array(payment))
  anomalies = validation.validate_statistics(
      _stats(current), schema, previous_statistics=_stats(TAXI),
      serving_statistics=_stats(TAXI.drop_columns(["fare"])))
  reasons = _info(anomalies, "payment_type")
  assert [r[0] for r in reasons] == [  # Domain, then drift, then skew.
      "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "COMPARATOR_L_INFTY_HIGH",
      "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH"]
  _, short, description = reasons[1]
  assert short == "High Linfty distance between current and previous"
  assert description.startswith("The Linfty distance between current and previous is 0.0999867 ") and \
      description.endswith("(up to six significant digits), above the threshold 0.01. The feature "
                           "value with maximum difference is: Bitcoin")
  # L-infinity of a numeric feature: recorded as 0, as TFDV does.
  fare = {".".join(i.path.step): i for i in anomalies.drift_skew_info}["fare"]
  assert [(m.type, m.value) for m in fare.drift_measurements] == [(Measurement.L_INFTY, 0.0)]
  # Serving data without the feature: data missing, an error.
  assert _info(anomalies, "fare") == [
      ("COMPARATOR_CONTROL_DATA_MISSING", "serving data missing", "serving data is missing.")]
  assert anomalies.anomaly_info["fare"].severity == Info.ERROR


def test_l_infinity_ties_go_to_the_last_value():
  a = validation.get_feature(_stats(pa.table({"s": ["a", "b"]})), "s")
  b = validation.get_feature(_stats(pa.table({"s": ["a", "a", "a", "b"]})), "s")
  assert validation._validate._l_infinity(a, b) == ("b", 0.25)  # pylint: disable=protected-access


def test_infinities_are_unmatched_mass_in_the_divergence():
  clean = _stats(TAXI)
  miles = TAXI["trip_miles"].to_pylist()
  dirty = [float("inf") if i % 100 == 7 and m is not None else m for i, m in enumerate(miles)]
  inf = _stats(TAXI.set_column(TAXI.column_names.index("trip_miles"), "trip_miles",
                               pa.array(dirty, pa.float64())))
  share = sum(1 for m in dirty if m == float("inf")) / sum(1 for m in dirty if m is not None)
  jsd = validation.jensen_shannon(validation.get_feature(inf, "trip_miles"),
                                  validation.get_feature(clean, "trip_miles"))
  assert jsd == pytest.approx(share / 2, abs=0.003)  # TFDV: 0.0052 on this data.


def test_no_examples_means_data_missing():
  schema = validation.infer_schema(_stats(PENGUIN))
  anomalies = validation.validate_statistics(_stats(PENGUIN.slice(0, 0)), schema)
  assert anomalies.data_missing and not anomalies.anomaly_info
