"""The Transform component end to end on the Chicago taxi data with TFX's taxi preprocessing_fn:
outputs, the batch path against the TransformGraph loaded in a fresh process, the port of a
tensorflow_transform module, the analyzer cache, the Keras layer, and failures."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tensorflow as tf

import tfx_core.transform as tft
from tfx_core import metadata as md, validation
from tfx_core.components import ExampleGen, ImportSchemaGen, Transform
from tfx_core.dsl import Pipeline
from tfx_core.examples import penguin_pipeline
from tfx_core.orchestration import LocalDagRunner, PipelineRunError
from tfx_core.types import TransformGraph

HERE = os.path.dirname(os.path.abspath(__file__))
TAXI = os.path.join(penguin_pipeline.DATA_ROOT, "chicago_taxi")
TAXI_SCHEMA = os.path.join(HERE, "testdata", "chicago_taxi_schema.pbtxt")
TAXI_MODULE = os.path.join(penguin_pipeline.HERE, "taxi_preprocessing.py")
TFT_MODULE = os.path.join(HERE, "testdata", "tft_taxi_utils.py")


def _run(root, module_file, enable_cache=False, beam_pipeline_args=()):
  examples = ExampleGen(input_base=TAXI)
  schema = ImportSchemaGen(schema_file=TAXI_SCHEMA)
  transform = Transform(examples=examples.outputs["examples"], schema=schema.outputs["schema"],
                        module_file=module_file)
  pipeline = Pipeline("taxi", str(root), [examples, schema, transform], enable_cache=enable_cache)
  return LocalDagRunner(beam_pipeline_args=list(beam_pipeline_args)).run(pipeline)


@pytest.fixture(scope="module")
def taxi_run(tmp_path_factory):
  root = tmp_path_factory.mktemp("taxi")
  # Two Beam worker processes: each re-traces preprocessing_fn from the module file.
  result = _run(root, TAXI_MODULE, beam_pipeline_args=[
      "--direct_num_workers=2", "--direct_running_mode=multi_processing"])
  outputs = result.outputs["Transform"]
  return root, result, {key: outputs[key][0] for key in outputs}


def _sorted_rows(table):
  """The table's rows in a canonical order (Beam may write batches in any order)."""
  table = table.select(sorted(table.column_names))
  keys = [(name, "ascending") for name in table.column_names
          if not pa.types.is_list(table.schema.field(name).type)]
  return table.take(pa.compute.sort_indices(table, sort_keys=keys))


def test_outputs_statistics_and_schema(taxi_run):
  _, result, out = taxi_run
  assert result.node_states["Transform"] == "COMPLETE"
  graph = TransformGraph(out["transform_graph"])
  assert graph.get("analyzers") == 9 and graph.get("analyzers_from_cache") == 0
  output = tft.TransformOutput(out["transform_graph"].uri)
  spec = output.transformed_feature_spec()
  assert spec["fare_xf"] == tf.io.FixedLenFeature([], tf.float32)
  assert spec["company_xf"].dtype == tf.int64 and spec["tips_xf"].dtype == tf.int64
  companies = output.vocabulary_by_name("company")
  assert len(companies) == output.vocabulary_size_by_name("company") > 50
  # Categorical outputs carry their id range, for one-hot layers in the Trainer.
  assert output.num_buckets_for_transformed_feature("company_xf") == len(companies) + 10
  assert output.num_buckets_for_transformed_feature("pickup_latitude_xf") == 10
  with pytest.raises(ValueError, match="no integer domain"):
    output.num_buckets_for_transformed_feature("fare_xf")
  train = pq.read_table(os.path.join(out["transformed_examples"].uri, "Split-train"))
  evaluation = pq.read_table(os.path.join(out["transformed_examples"].uri, "Split-eval"))
  assert train.num_rows + evaluation.num_rows == 15002
  # z-scores are centred on the analyzed (train) split; the label is 0/1.
  assert abs(np.mean(train["fare_xf"].to_numpy())) < 1e-3
  assert set(train["tips_xf"].to_pylist()) == {0, 1}
  assert set(train["pickup_latitude_xf"].to_pylist()) <= set(range(10))
  pre = validation.load_statistics(os.path.join(out["pre_transform_stats"].uri, "Split-train",
                                                "FeatureStats.pb"))
  post = validation.load_statistics(os.path.join(out["post_transform_stats"].uri, "Split-eval",
                                                 "FeatureStats.pb"))
  assert validation.get_feature(pre, "fare").num_stats.common_stats.num_non_missing > 9000
  assert validation.get_feature(post, "fare_xf").num_stats.common_stats.num_non_missing == \
      evaluation.num_rows
  schema = validation.load_schema(os.path.join(out["post_transform_schema"].uri, "schema.pbtxt"))
  assert {f.name for f in schema.feature} == set(spec)


_FRESH_PROCESS = textwrap.dedent("""
    import sys
    import numpy as np
    import pyarrow.parquet as pq
    import tfx_core.transform as tft
    from tfx_core.transform import _inputs
    graph_dir, raw_dir, out = sys.argv[1:]
    assert "taxi_preprocessing" not in str(sys.modules), "the user's module was imported"
    output = tft.TransformOutput(graph_dir)
    raw = pq.read_table(raw_dir)
    result = output.transform_raw_features(_inputs.to_tensors(raw, output.raw_feature_spec()))
    np.savez(out, **{k: v.numpy() for k, v in result.items()})
""")


def test_batch_path_equals_the_graph_loaded_in_a_fresh_process(taxi_run, tmp_path):
  _, result, out = taxi_run
  [examples] = result.outputs["ExampleGen"]["examples"]
  raw_dir = os.path.join(examples.uri, "Split-eval")
  env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
  subprocess.run([sys.executable, "-c", _FRESH_PROCESS, out["transform_graph"].uri, raw_dir,
                  str(tmp_path / "graph.npz")], check=True, env=env, cwd=str(tmp_path))
  graph = dict(np.load(tmp_path / "graph.npz"))
  batch = pq.read_table(os.path.join(out["transformed_examples"].uri, "Split-eval"))
  served = pa.table({k: pa.array(v) for k, v in graph.items()})
  assert set(served.column_names) == set(batch.column_names)
  batch, served = _sorted_rows(batch), _sorted_rows(served)
  for name in batch.column_names:
    got, want = batch[name].to_numpy(), served[name].to_numpy()
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), name


def test_tensorflow_transform_module_runs_with_the_import_changed(taxi_run, tmp_path):
  _, result, out = taxi_run
  with open(TFT_MODULE) as f:
    source = f.read()
  assert "import tensorflow_transform as tft\n" in source
  ported = tmp_path / "ported.py"
  ported.write_text(source.replace("import tensorflow_transform as tft\n",
                                   "import tfx_core.transform as tft\n"))
  [examples] = result.outputs["ExampleGen"]["examples"]
  train = pq.read_table(os.path.join(examples.uri, "Split-train"))
  spec = tft.feature_spec_from_schema(validation.load_schema(TAXI_SCHEMA))
  fn = tft.PreprocessingFn(module_file=str(ported))
  transformed, _ = tft.analyze_and_transform(train, fn, spec, str(tmp_path / "tg"))
  ours = pq.read_table(os.path.join(out["transformed_examples"].uri, "Split-train"))
  assert sorted(transformed.column_names) == sorted(ours.column_names)
  assert _sorted_rows(transformed).equals(_sorted_rows(ours))


def test_keras_layer_drops_outputs_of_missing_raw_features(taxi_run):
  _, _, out = taxi_run
  output = tft.TransformOutput(out["transform_graph"].uri)
  layer = output.transform_features_layer()
  spec = output.raw_feature_spec()
  features = {}
  for name, feature in spec.items():
    if name == "tips":
      continue  # The label is not there at serving time.
    value = {tf.string: b"Cash", tf.int64: 5, tf.float32: 2.5}[feature.dtype]
    features[name] = tf.SparseTensor([[0, 0], [1, 0]], tf.constant([value, value], feature.dtype),
                                     [2, 1])
  result = tf.function(layer)(features)
  assert "tips_xf" not in result and "fare_xf" in result
  assert result["payment_type_xf"].numpy().tolist() == [output.vocabulary_by_name(
      "payment_type").index(b"Cash")] * 2
  assert result["fare_xf"].shape == (2,)


def test_analyzer_cache_reuses_unchanged_analyzers(tmp_path):
  module = tmp_path / "module.py"
  with open(TAXI_MODULE) as f:
    source = f.read()
  module.write_text(source)
  first = _run(tmp_path / "root", str(module))
  assert TransformGraph(first.outputs["Transform"]["transform_graph"][0]).get("analyzers_from_cache") == 0
  # Two new outputs: one needs a new analyzer (5 quantile buckets); the other's (the moments of
  # trip_miles, which its z-score already needed) is the same computation, so it is reused.
  module.write_text(source.replace(
      "  return outputs\n",
      "  outputs['miles_b5'] = tft.bucketize(_fill_in_missing(inputs['trip_miles']), 5)\n"
      "  outputs['miles_01'] = tft.scale_to_0_1(_fill_in_missing(inputs['trip_miles']))\n"
      "  return outputs\n"))
  second = _run(tmp_path / "root", str(module))
  graph = TransformGraph(second.outputs["Transform"]["transform_graph"][0])
  assert graph.get("analyzers") == 11 and graph.get("analyzers_from_cache") == 10
  output = tft.TransformOutput(graph.uri)
  assert {"miles_b5", "miles_01"} <= set(output.transformed_feature_spec())


def test_a_bad_preprocessing_fn_fails_and_publishes_nothing(tmp_path):
  module = tmp_path / "bad.py"
  module.write_text(textwrap.dedent("""
      import tfx_core.transform as tft
      def preprocessing_fn(inputs):
        return {"company_z": tft.scale_to_z_score(inputs["company"])}
  """))
  with pytest.raises(PipelineRunError):
    _run(tmp_path / "root", str(module))
  store = md.MetadataStore("sqlite:///%s/metadata.sqlite" % (tmp_path / "root"))
  assert store.get_artifacts(type_name="TransformGraph") == []
  [failed] = store.get_executions(state=md.Execution.FAILED)
  error = md.from_value(failed.custom_properties["error"])
  assert "scale_to_z_score of feature 'company'" in error and "numeric" in error
  assert not os.path.exists(tmp_path / "root" / "Transform" / "transform_graph")


def test_preprocessing_fn_by_name_without_materializing(tmp_path):
  examples = ExampleGen(input_base=TAXI)
  schema = ImportSchemaGen(schema_file=TAXI_SCHEMA)
  transform = Transform(examples=examples.outputs["examples"], schema=schema.outputs["schema"],
                        preprocessing_fn="tfx_core.examples.taxi_preprocessing.preprocessing_fn",
                        analyze_splits=["eval"], materialize=False, disable_statistics=True)
  result = LocalDagRunner().run(Pipeline("taxi", str(tmp_path), [examples, schema, transform]))
  outputs = {key: value[0] for key, value in result.outputs["Transform"].items()}
  assert md.from_value(outputs["transformed_examples"].properties["split_names"]) == "[]"
  assert os.listdir(outputs["transformed_examples"].uri) == []
  assert os.listdir(outputs["pre_transform_stats"].uri) == []
  # Analyzed on eval only: its z-scores, not train's, are centred.
  output = tft.TransformOutput(outputs["transform_graph"].uri)
  [raw] = result.outputs["ExampleGen"]["examples"]
  evaluation = output.transform_arrow(pq.read_table(os.path.join(raw.uri, "Split-eval")))
  assert abs(np.mean(evaluation["fare_xf"].to_numpy())) < 1e-4
