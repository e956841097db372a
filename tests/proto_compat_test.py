"""Our protos load TFX users' files unchanged and keep tensorflow_metadata v0's numbering."""

import os

from google.protobuf import text_format

from tfx_core.proto import anomalies_pb2
from tfx_core.proto import schema_pb2
from tfx_core.proto import statistics_pb2

import proto_field_table

_TESTDATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata")


def _read(name):
  with open(os.path.join(_TESTDATA, name)) as f:
    return f.read()


def test_chicago_taxi_schema_parses_and_round_trips():
  text = _read("chicago_taxi_schema.pbtxt")
  schema = text_format.Parse(text, schema_pb2.Schema())
  features = {f.name: f for f in schema.feature}
  assert len(features) == 18
  assert features["fare"].type == schema_pb2.FLOAT
  assert features["payment_type"].domain == "payment_type"
  assert "Credit Card" in {d.name: d for d in schema.string_domain}["payment_type"].value
  assert features["tips"].presence.min_fraction == 1.0
  assert features["tips"].value_count.max == 1
  # Round trip: text -> message -> text -> message, and binary, change nothing.
  again = text_format.Parse(text_format.MessageToString(schema), schema_pb2.Schema())
  assert again == schema
  assert schema_pb2.Schema.FromString(schema.SerializeToString()) == schema


def _table(name):
  rows = []
  for line in _read(name).splitlines():
    if line and not line.startswith("#"):
      message, field, number, kind = line.split("\t")
      rows.append((message, field, int(number), kind))
  return rows


def test_field_numbers_and_types_match_tensorflow_metadata():
  expected = _table("tfmd_proto_fields.tsv")
  assert len(expected) > 450
  assert proto_field_table.table("tfmd", "tfx_core.proto") == expected


def test_config_protos_match_tfx():
  expected = _table("tfx_proto_fields.tsv")
  assert len(expected) > 80
  assert proto_field_table.table("tfx", "tfx_core.proto") == expected


def test_evaluation_protos_match_tfma():
  expected = _table("tfma_proto_fields.tsv")
  assert len(expected) > 240
  assert proto_field_table.table("tfma", "tfx_core.proto") == expected


def test_tfx_configs_work_unchanged():
  from tfx_core.proto import example_gen_pb2, pusher_pb2, range_config_pb2, trainer_pb2  # pylint: disable=import-outside-toplevel
  split = text_format.Parse("""
      split_config {
        splits { name: "train" hash_buckets: 4 }
        splits { name: "eval" hash_buckets: 1 }
      }""", example_gen_pb2.Output())
  assert [(s.name, s.hash_buckets) for s in split.split_config.splits] == [("train", 4),
                                                                           ("eval", 1)]
  assert example_gen_pb2.SplitConfig(partition_feature_name="trip_start_day").WhichOneof(
      "splitting_method_config") == "partition_feature_name"
  args = trainer_pb2.TrainArgs(num_steps=100, splits=["train"])
  assert trainer_pb2.TrainArgs.FromString(args.SerializeToString()) == args
  push = text_format.Parse('filesystem { base_directory: "/serving/taxi" }',
                           pusher_pb2.PushDestination())
  assert push.filesystem.versioning == pusher_pb2.AUTO
  rolling = range_config_pb2.RangeConfig(
      rolling_range=range_config_pb2.RollingRange(num_spans=2))
  assert rolling.WhichOneof("range") == "rolling_range"


def test_statistics_and_anomalies_messages_compose():
  stats = statistics_pb2.DatasetFeatureStatisticsList()
  feature = stats.datasets.add(name="train", num_examples=3).features.add(name="fare")
  feature.type = statistics_pb2.FeatureNameStatistics.FLOAT
  feature.num_stats.mean = 1.5
  feature.num_stats.histograms.add(type=statistics_pb2.Histogram.QUANTILES)
  anomalies = anomalies_pb2.Anomalies()
  info = anomalies.anomaly_info["fare"]
  info.severity = anomalies_pb2.AnomalyInfo.ERROR
  info.reason.add(type=anomalies_pb2.AnomalyInfo.COMPARATOR_L_INFTY_HIGH)
  parsed = anomalies_pb2.Anomalies.FromString(anomalies.SerializeToString())
  assert parsed.anomaly_info["fare"].reason[0].type == 42
  assert statistics_pb2.DatasetFeatureStatisticsList.FromString(
      stats.SerializeToString()).datasets[0].features[0].num_stats.mean == 1.5
