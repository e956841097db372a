"""`from tfx_core import v1 as tfx`: TFX's names, a TFX-style pipeline file that runs with only
its import changed, TFX's configs, value artifacts and proto_utils."""

import importlib
import json
import os
import subprocess
import sys

import pytest
from google.protobuf import text_format

from tfx_core import metadata as md
from tfx_core import v1 as tfx
from tfx_core.dsl import compile_pipeline
from tfx_core.examples import penguin_pipeline
from tfx_core.utils import proto_utils

_PIPELINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata", "tfx_style",
                         "penguin_pipeline_tfx.py")


def test_namespaces_are_modules_with_tfx_names():
  for module, names in {
      "tfx_core.v1.components": ["CsvExampleGen", "ImportExampleGen", "StatisticsGen",
                                 "SchemaGen", "ImportSchemaGen", "ExampleValidator",
                                 "Transform", "Tuner", "Trainer", "Evaluator", "InfraValidator",
                                 "Pusher", "BulkInferrer"],
      # `import tensorflow_model_analysis as tfma` -> `import tfx_core.evaluation as tfma`.
      "tfx_core.evaluation": ["EvalConfig", "ModelSpec", "SlicingSpec", "MetricsSpec",
                              "MetricConfig", "MetricThreshold", "GenericValueThreshold",
                              "GenericChangeThreshold", "MetricDirection", "Options",
                              "BinarizationOptions", "AggregationOptions", "metrics"],
      "tfx_core.evaluation.metrics": ["ExampleCount", "AUC", "BinaryAccuracy", "Precision",
                                      "Recall", "MeanLabel", "Calibration", "CalibrationPlot",
                                      "ConfusionMatrixPlot", "SparseCategoricalAccuracy",
                                      "MeanSquaredError", "FairnessIndicators",
                                      "specs_from_metrics"],
      "tfx_core.v1.dsl": ["Pipeline", "Importer", "Resolver", "Channel", "Cond"],
      "tfx_core.v1.dsl.experimental": ["LatestArtifactStrategy", "LatestBlessedModelStrategy",
                                       "LatestBlessedModelResolver"],
      "tfx_core.v1.dsl.components": ["component", "InputArtifact", "OutputArtifact",
                                     "Parameter"],
      "tfx_core.v1.types.standard_artifacts": ["Examples", "Schema", "Model", "ModelBlessing",
                                               "String", "Integer", "Float", "Bytes"],
      "tfx_core.v1.proto": ["SplitConfig", "Input", "Output", "RangeConfig", "RollingRange",
                            "StaticRange", "SplitsConfig", "TrainArgs", "EvalArgs", "TuneArgs",
                            "PushDestination", "ServingSpec", "ValidationSpec", "RequestSpec",
                            "DataSpec", "ModelSpec", "OutputExampleSpec"],
      "tfx_core.v1.orchestration": ["LocalDagRunner", "metadata"],
  }.items():
    loaded = importlib.import_module(module)
    missing = [n for n in names if not hasattr(loaded, n)]
    assert not missing, (module, missing)
  assert tfx.dsl.experimental.LatestBlessedModelResolver is (
      tfx.dsl.experimental.LatestBlessedModelStrategy)


def test_tfx_style_pipeline_runs_with_only_its_import_changed(tmp_path):
  root = tmp_path / "root"
  done = subprocess.run([sys.executable, _PIPELINE, os.path.join(penguin_pipeline.DATA_ROOT,
                                                                  "penguin"), str(root),
                         os.path.join(os.path.dirname(penguin_pipeline.__file__),
                                      "penguin_transform.py")],
                        capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
  assert done.returncode == 0, done.stderr[-3000:]
  store = md.MetadataStore(str(root / "metadata.db"))
  states = {e.name: md.Execution.State.Name(e.state) for e in store.get_executions()}
  assert states == {n: "COMPLETE" for n in ("CsvExampleGen", "StatisticsGen", "SchemaGen",
                                            "ExampleValidator", "Transform")}
  [examples] = store.get_artifacts(type_name="Examples", uri=None, newest_first=False)[:1]
  counts = json.loads(examples.custom_properties["row_counts"].string_value)
  assert set(counts) == {"train", "eval"} and counts["train"] + counts["eval"] == 334
  assert 1.5 < counts["train"] / counts["eval"] < 2.5  # hash_buckets 2 : 1
  [graph] = store.get_artifacts(type_name="TransformGraph")
  assert os.path.isdir(os.path.join(graph.uri, "transform_fn"))


def test_configs_are_typed_parameters_in_the_ir(tmp_path):
  output = tfx.proto.Output(split_config=tfx.proto.SplitConfig(
      splits=[tfx.proto.SplitConfig.Split(name="train", hash_buckets=3)],
      partition_feature_name="species"))
  gen = tfx.components.CsvExampleGen(input_base=str(tmp_path), output_config=output,
                                     range_config=tfx.proto.RangeConfig(
                                         rolling_range=tfx.proto.RollingRange(num_spans=2)))
  ir = compile_pipeline(tfx.dsl.Pipeline("p", str(tmp_path / "root"), [gen]))
  [node] = ir.nodes
  packed = node.parameters["output_config"].proto_value
  assert packed.TypeName() == "tfx_core.components.example_gen.Output"
  unpacked = tfx.proto.Output()
  packed.Unpack(unpacked)
  assert unpacked == output
  assert node.parameters["input_format"].string_value == "csv"
  with pytest.raises(TypeError, match="output_config"):
    tfx.components.CsvExampleGen(input_base="x", output_config={"train": 2})
  with pytest.raises(NotImplementedError, match="custom_config"):
    tfx.components.CsvExampleGen(input_base="x", custom_config={"a": 1})


def test_example_gen_reads_tfx_configs(tmp_path):
  from tfx_core.components.example_gen.executor import settings  # pylint: disable=import-outside-toplevel
  config = settings({
      "input_base": "x",
      "input_config": text_format.Parse('splits { name: "train" pattern: "train/*" } '
                                        'splits { name: "eval" pattern: "eval/*" }',
                                        tfx.proto.Input()),
      "range_config": tfx.proto.RangeConfig(static_range=tfx.proto.StaticRange(
          start_span_number=2, end_span_number=4))})
  assert config["patterns"] == {"train": "train/*", "eval": "eval/*"} and config["by_file"]
  assert config["span_range"] == [2, 4]
  single = settings({"input_base": "x", "input_config": tfx.proto.Input(
      splits=[tfx.proto.Input.Split(name="single_split", pattern="*.csv")])})
  assert single["patterns"] == {"_all": "*.csv"} and not single["by_file"]
  with pytest.raises(ValueError, match="give output_splits or output_config, not both"):
    settings({"input_base": "x", "output_splits": {"train": 1},
              "output_config": tfx.proto.Output(split_config=tfx.proto.SplitConfig(
                  splits=[tfx.proto.SplitConfig.Split(name="a", hash_buckets=1)]))})
  # Rolling range: the latest N spans.
  for span in (1, 2, 3):
    (tmp_path / ("span-%d" % span)).mkdir()
    (tmp_path / ("span-%d" % span) / "data.csv").write_text("a\n%d\n" % span)
  from tfx_core.components.example_gen.executor import resolve  # pylint: disable=import-outside-toplevel
  resolved = resolve({"input_base": str(tmp_path), "input_pattern": "span-{SPAN}/*.csv",
                      "range_config": tfx.proto.RangeConfig(
                          rolling_range=tfx.proto.RollingRange(num_spans=2))})
  assert resolved.spans == [2, 3]


def test_value_artifacts(tmp_path):
  artifacts = tfx.types.standard_artifacts
  for cls, value in ((artifacts.String, "héllo"), (artifacts.Integer, 42),
                     (artifacts.Float, 0.1), (artifacts.Bytes, b"\xff\x00")):
    artifact = cls()
    artifact.uri = str(tmp_path / cls.TYPE_NAME)
    artifact.value = value
    assert cls(artifact.record).value == value
    assert (tmp_path / cls.TYPE_NAME / "value").is_file()
  with pytest.raises(TypeError, match="Integer artifact holds a int"):
    artifacts.Integer().value = "3"


def test_proto_utils_round_trip():
  args = tfx.proto.TrainArgs(num_steps=0, splits=["train"])
  text = proto_utils.proto_to_json(args)
  assert json.loads(text) == {"num_steps": 0, "splits": ["train"]}  # Defaults written.
  assert proto_utils.json_to_proto(text, tfx.proto.TrainArgs()) == args
  with pytest.raises(Exception, match="no field named"):
    proto_utils.json_to_proto('{"steps": 3}', tfx.proto.TrainArgs())
