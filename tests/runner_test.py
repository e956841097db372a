"""The local runner with a real SQLite (and PostgreSQL) store: outputs and metadata,
parallelism, caching (including an edited helper module), failure and resume, retries,
Importer and Resolver, retention, and the absl binaries end to end."""

import json
import logging
import os
import shutil
import subprocess
import sys
import time

import pytest

from metadata_backends import metadata_url  # noqa: F401  (a pytest fixture)
from tfx_core import metadata as md
from tfx_core.dsl import (BaseComponent, BaseExecutor, ChannelParameter, ComponentSpec,
                          ExecutionParameter, InputArtifact, LatestArtifactStrategy,
                          LatestBlessedModelStrategy, OutputArtifact, Parameter, Pipeline,
                          Resolver, component)
from tfx_core.orchestration import (LocalDagRunner, PipelineRunError, PIPELINE,
                                    protected_artifact_ids, prune_runs)
from tfx_core.metadata import INT
from tfx_core.dsl import Importer, compile_pipeline
from tfx_core.proto import pipeline_pb2
from tfx_core.types import (Artifact, Channel, Examples, Model, ModelBlessing, PushedModel,
                            register)

_DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata", "demo_pipeline")


@pytest.fixture
def demo(tmp_path, monkeypatch):
  """A private copy of the demo pipeline (tests edit its helper module) and its data."""
  code = tmp_path / "code"
  shutil.copytree(_DEMO, code)
  monkeypatch.syspath_prepend(str(code))
  for name in ("demo_pipeline", "demo_helpers"):
    sys.modules.pop(name, None)
  data = tmp_path / "data"
  data.mkdir()
  (data / "data.csv").write_text("species,body_mass_g\nA,3000\nB,4000\nC,\nD,5000\n")
  import demo_pipeline  # pylint: disable=import-outside-toplevel
  yield demo_pipeline, code, data, tmp_path / "root"
  for name in ("demo_pipeline", "demo_helpers"):
    sys.modules.pop(name, None)


def _store(root):
  return md.MetadataStore("sqlite:///%s/metadata.sqlite" % root)


def test_run_publishes_outputs_and_metadata(demo, metadata_url):  # noqa: F811
  module, _, data, root = demo
  result = LocalDagRunner(metadata_url=metadata_url).run(
      module.create_pipeline(root, str(data), metadata_url=metadata_url))
  assert result.node_states == {"import_csv": "COMPLETE", "Ingest": "COMPLETE",
                                "Summarize": "COMPLETE", "Profile": "COMPLETE",
                                "Train": "COMPLETE"}
  [model] = result.outputs["Train"]["model"]
  assert model.uri == os.path.join(root, "Train", "model", model.uri.rsplit("/", 1)[1])
  with open(os.path.join(model.uri, "model.json")) as f:
    assert json.load(f) == {"bias": 4000.0}
  assert not os.listdir(os.path.join(root, "Train", ".staging"))
  store = md.MetadataStore(metadata_url)
  [summarize] = store.get_executions(type_name="demo_pipeline.Summarize")
  assert summarize.state == md.Execution.COMPLETE
  assert summarize.custom_properties["output:mean"].double_value == 4000.0
  [ingest] = store.get_executions(type_name="demo_pipeline.Ingest")
  assert ingest.custom_properties["output:rows"].int_value == 4
  [examples] = result.outputs["Ingest"]["examples"]
  assert json.loads(examples.properties["split_names"].string_value) == ["train"]
  assert os.path.isfile(os.path.join(examples.uri, "Split-train", "data.csv"))
  graph = store.get_lineage([model.id], "upstream", depth=10)
  assert sorted(e.name for e in graph.executions) == ["Ingest", "Profile", "Summarize", "Train",
                                                     "import_csv"]
  assert str(data) in [a.uri for a in graph.artifacts]


def test_runs_the_serialized_ir(demo):
  module, _, data, root = demo
  ir = compile_pipeline(module.create_pipeline(root, str(data)))
  from_bytes = pipeline_pb2.Pipeline.FromString(ir.SerializeToString())
  result = LocalDagRunner().run(from_bytes)
  assert result.pipeline_name == "demo" and set(result.node_states.values()) == {"COMPLETE"}
  assert os.path.isfile(os.path.join(root, "metadata.sqlite"))  # Default store: under the root.


def test_independent_nodes_run_in_parallel(demo):
  module, _, data, root = demo
  pipeline = module.create_pipeline(root, str(data), enable_cache=False, sleep_seconds=1.0)
  start = time.monotonic()
  LocalDagRunner(max_parallel_nodes=2).run(pipeline)
  parallel = time.monotonic() - start
  store = _store(root)
  spans = {e.name: (e.create_time_ms, e.update_time_ms) for e in store.get_executions()
           if e.name in ("Summarize", "Profile")}
  assert spans["Summarize"][0] < spans["Profile"][1] and spans["Profile"][0] < spans["Summarize"][1]
  start = time.monotonic()
  LocalDagRunner(max_parallel_nodes=1).run(pipeline)
  assert time.monotonic() - start > 2.0 > parallel


def test_cache_hits_misses_and_reasons(demo, caplog):
  module, code, data, root = demo
  caplog.set_level(logging.INFO, logger="tfx_core")
  runner = LocalDagRunner()
  first = runner.run(module.create_pipeline(root, str(data)))
  second = runner.run(module.create_pipeline(root, str(data)))
  assert set(second.node_states.values()) == {"CACHED"}
  assert second.outputs["Train"]["model"][0].id == first.outputs["Train"]["model"][0].id
  assert "[Train] cache hit: reusing the outputs of execution" in caplog.text

  # A parameter change re-runs that node; Train's input content is unchanged, so it hits.
  caplog.clear()
  fourth = runner.run(module.create_pipeline(root, str(data), sleep_seconds=0.01))
  assert fourth.node_states["Summarize"] == "COMPLETE" and fourth.node_states["Ingest"] == "CACHED"
  assert "[Summarize] cache miss: parameter 'sleep_seconds' changed" in caplog.text
  assert fourth.node_states["Train"] == "CACHED"

  # Editing a module the pipeline module imports invalidates the nodes that use its code.
  with open(code / "demo_helpers.py", "a") as f:
    f.write("\n# edited\n")
  caplog.clear()
  fifth = runner.run(module.create_pipeline(root, str(data), sleep_seconds=0.01))
  assert fifth.node_states["Ingest"] == "COMPLETE"
  assert "[Ingest] cache miss: code demo_helpers.py changed" in caplog.text

  # New input data changes the imported artifact's fingerprint and everything downstream.
  (data / "data.csv").write_text("species,body_mass_g\nA,1000\nB,2000\n")
  sixth = runner.run(module.create_pipeline(root, str(data), sleep_seconds=0.01))
  assert sixth.node_states["import_csv"] == "COMPLETE"
  assert sixth.node_states["Train"] == "COMPLETE"
  with open(os.path.join(sixth.outputs["Train"]["model"][0].uri, "model.json")) as f:
    assert json.load(f) == {"bias": 1500.0}

  # Switches: per run, and per node.
  uncached = LocalDagRunner(enable_cache=False).run(module.create_pipeline(
      root, str(data), sleep_seconds=0.01)).node_states
  assert uncached.pop("import_csv") == "CACHED"  # Unchanged imports are reused, cache or not.
  assert set(uncached.values()) == {"COMPLETE"}
  pipeline = module.create_pipeline(root, str(data), sleep_seconds=0.01)
  [train] = [n for n in pipeline.nodes if n.id == "Train"]
  train.with_cache(False)
  seventh = runner.run(pipeline)
  assert seventh.node_states["Train"] == "COMPLETE" and seventh.node_states["Ingest"] == "CACHED"


def test_failure_then_resume(demo, tmp_path):
  module, _, data, root = demo
  marker = tmp_path / "fail"
  marker.write_text("")
  with pytest.raises(PipelineRunError, match="failed at node.s. Summarize") as failure:
    LocalDagRunner().run(module.create_pipeline(root, str(data), fail_if_exists=str(marker)))
  states = failure.value.result.node_states
  assert states["Summarize"] == "FAILED" and states["Train"] == "SKIPPED"
  assert states["Profile"] == "COMPLETE" and states["Ingest"] == "COMPLETE"
  store = _store(root)
  [failed] = store.get_executions(state=md.Execution.FAILED)
  assert "ValueError: Summarize was told to fail" in failed.custom_properties["error"].string_value
  assert "demo_pipeline.py" in failed.custom_properties["error"].string_value
  assert not os.path.exists(os.path.join(root, "Summarize", "statistics"))
  assert not os.listdir(os.path.join(root, "Summarize", ".staging"))
  ingest_uri = failure.value.result.outputs["Ingest"]["examples"][0].uri
  assert os.path.isfile(os.path.join(ingest_uri, "Split-train", "data.csv"))

  marker.unlink()
  resumed = LocalDagRunner().run(module.create_pipeline(root, str(data),
                                                        fail_if_exists=str(marker)))
  assert resumed.node_states == {"import_csv": "CACHED", "Ingest": "CACHED", "Profile": "CACHED",
                                 "Summarize": "COMPLETE", "Train": "COMPLETE"}


@component
def Flaky(model: OutputArtifact[Model], counter: Parameter[str], failures: Parameter[int]):
  with open(counter, "a+") as f:
    f.seek(0)
    attempts = len(f.read())
    f.write("x")
  if attempts < failures:
    raise RuntimeError("flaky attempt %d" % (attempts + 1))
  with open(os.path.join(model.uri, "ok"), "w") as f:
    f.write("ok")


def test_retries_with_backoff(tmp_path):
  counter = str(tmp_path / "counter")
  node = Flaky(counter=counter, failures=2).with_retries(2, backoff_seconds=0.05)
  root = tmp_path / "root"
  start = time.monotonic()
  result = LocalDagRunner().run(Pipeline("flaky", root, [node]))
  assert time.monotonic() - start >= 0.15  # 0.05 + 0.1
  assert result.node_states == {"Flaky": "COMPLETE"}
  states = [e.state for e in _store(root).get_executions()]
  assert states == [md.Execution.FAILED, md.Execution.FAILED, md.Execution.COMPLETE]
  with pytest.raises(PipelineRunError):
    LocalDagRunner().run(Pipeline("flaky", root, [
        Flaky(counter=str(tmp_path / "c2"), failures=5).with_retries(1, backoff_seconds=0.01)]))


@component
def MakeModel(model: OutputArtifact[Model], value: Parameter[int]):
  with open(os.path.join(model.uri, "value"), "w") as f:
    f.write(str(value))


@component
def Judge(model: InputArtifact[Model], blessing: OutputArtifact[ModelBlessing],
          threshold: Parameter[int]):
  with open(os.path.join(model.uri, "value")) as f:
    good = int(f.read()) >= threshold
  blessing.set("blessed", int(good))
  blessing.set("current_model_id", model.id)


@component
def Push(model: InputArtifact[Model], pushed: OutputArtifact[PushedModel]):
  shutil.copy(os.path.join(model.uri, "value"), pushed.uri)
  pushed.set("pushed", 1)


@component
def UseModel(model: InputArtifact[Model], note: OutputArtifact[Examples]):
  with open(os.path.join(model.uri, "value")) as f, open(
      os.path.join(note.uri, "seen"), "w") as out:
    out.write(f.read())


def _model_pipeline(root, value, push=False):
  make = MakeModel(value=value)
  judge = Judge(model=make.outputs["model"], threshold=10)
  nodes = [make, judge]
  if push:
    nodes.append(Push(model=make.outputs["model"]))
  return Pipeline("models", root, nodes)


def test_resolvers_find_latest_and_latest_blessed(tmp_path):
  root = tmp_path / "root"
  runner = LocalDagRunner()
  blessed = runner.run(_model_pipeline(root, 20)).outputs["MakeModel"]["model"][0]
  unblessed = runner.run(_model_pipeline(root, 5)).outputs["MakeModel"]["model"][0]

  def resolve(strategy, **channels):
    resolver = Resolver(strategy, **channels).with_id("resolve")
    use = UseModel(model=resolver.outputs["model"])
    return runner.run(Pipeline("models", root, [resolver, use]))

  latest = resolve(LatestArtifactStrategy, model=Channel(type=Model))
  assert latest.outputs["resolve"]["model"][0].id == unblessed.id
  best = resolve(LatestBlessedModelStrategy, model=Channel(type=Model),
                 model_blessing=Channel(type=ModelBlessing))
  assert best.outputs["resolve"]["model"][0].id == blessed.id
  with open(os.path.join(best.outputs["UseModel"]["note"][0].uri, "seen")) as f:
    assert f.read() == "20"


def test_retention_keeps_recent_runs_and_protected_lineage(tmp_path):
  root = tmp_path / "root"
  runner = LocalDagRunner()
  pushed_run = runner.run(_model_pipeline(root, 30, push=True))  # Blessed and pushed.
  old = [runner.run(_model_pipeline(root, v)) for v in (1, 2, 3)]  # Rejected models.
  recent = runner.run(_model_pipeline(root, 4))
  store = _store(root)
  protected_model = pushed_run.outputs["MakeModel"]["model"][0]
  pipeline_ctx = store.get_context(PIPELINE, "models")
  assert protected_model.id in protected_artifact_ids(store, pipeline_ctx.id)

  preview = prune_runs(store, "models", root, keep_last_runs=1, dry_run=True)
  doomed_ids = {a.id for a in preview}
  assert all(os.path.exists(a.uri) for a in preview)
  expected = {r.outputs[n][k][0].id for r in old for n, k in (("MakeModel", "model"),
                                                                ("Judge", "blessing"))}
  assert doomed_ids == expected

  deleted = prune_runs(store, "models", root, keep_last_runs=1)
  assert {a.id for a in deleted} == expected
  for artifact in store.get_artifacts(ids=sorted(expected)):
    assert artifact.state == md.Artifact.DELETED and not os.path.exists(artifact.uri)
  for run in (pushed_run, recent):
    for outputs in run.outputs.values():
      for [artifact] in outputs.values():
        [now] = store.get_artifacts(ids=[artifact.id])
        assert now.state == md.Artifact.LIVE and os.path.exists(now.uri)
  assert prune_runs(store, "models", root, keep_last_runs=1) == []


class BeamSumSpec(ComponentSpec):
  PARAMETERS = {"module_file": ExecutionParameter(str), "count": ExecutionParameter(int)}
  OUTPUTS = {"model": ChannelParameter(Model)}


class BeamSumExecutor(BaseExecutor):
  """Sums 0..count-1 with a Beam pipeline, through the user module's run_fn."""

  def Do(self, input_dict, output_dict, exec_properties):  # pylint: disable=invalid-name
    import apache_beam as beam  # pylint: disable=import-outside-toplevel
    import importlib.util  # pylint: disable=import-outside-toplevel
    spec = importlib.util.spec_from_file_location("trainer_module",
                                                  exec_properties["module_file"])
    user = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(user)
    out = os.path.join(output_dict["model"][0].uri, "sum")
    with self.make_beam_pipeline() as p:
      _ = (p | beam.Create(range(exec_properties["count"])) | beam.combiners.ToList()
           | beam.Map(lambda values: open(out, "w").write(str(user.run_fn(values)))))
    options = self.make_beam_pipeline().options.get_all_options()
    return {"direct_num_workers": options["direct_num_workers"]}


class BeamSum(BaseComponent):
  SPEC_CLASS = BeamSumSpec
  EXECUTOR_CLASS = BeamSumExecutor


def test_class_component_with_beam_args_and_module_file(tmp_path, caplog):
  code = tmp_path / "module"
  shutil.copytree(os.path.join(os.path.dirname(_DEMO), "user_module"), code)
  sys.path.insert(0, str(code))  # The user module's own imports resolve from its folder.
  caplog.set_level(logging.INFO, logger="tfx_core")
  root = tmp_path / "root"

  def run(**runner_args):
    pipeline = Pipeline("beam", root, [BeamSum(module_file=str(code / "trainer_module.py"),
                                               count=10)], enable_cache=True)
    return LocalDagRunner(**runner_args).run(pipeline)

  try:
    first = run(beam_pipeline_args=["--direct_num_workers=1", "--runner=DirectRunner"])
    with open(os.path.join(first.outputs["BeamSum"]["model"][0].uri, "sum")) as f:
      assert f.read() == "45"
    [execution] = _store(root).get_executions(state=md.Execution.COMPLETE)
    assert execution.custom_properties["output:direct_num_workers"].int_value == 1
    assert run().node_states == {"BeamSum": "CACHED"}
    with open(code / "trainer_helpers.py", "a") as f:
      f.write("\n# edited\n")
    caplog.clear()
    assert run().node_states == {"BeamSum": "COMPLETE"}
    assert "[BeamSum] cache miss: code trainer_helpers.py changed" in caplog.text
  finally:
    sys.path.remove(str(code))


@register
class Report(Artifact):
  TYPE_NAME = "Report"
  PROPERTIES = {"pages": INT}


@component
def WriteReport(report: OutputArtifact[Report], pages: Parameter[int]):
  report.set("pages", pages)
  with open(os.path.join(report.uri, "report.txt"), "w") as f:
    f.write("x" * pages)


def test_user_defined_artifact_types_and_failures_before_the_executor(tmp_path):
  root = tmp_path / "root"
  result = LocalDagRunner().run(Pipeline("custom", root, [WriteReport(pages=3)]))
  [report] = result.outputs["WriteReport"]["report"]
  assert report.type == "Report" and report.properties["pages"].int_value == 3
  # Resolving a required input to nothing fails the node before its executor runs; the
  # failure is still recorded, with the reason, and nothing is left behind.
  resolver = Resolver(LatestArtifactStrategy, model=Channel(type=Model)).with_id("resolve")
  with pytest.raises(PipelineRunError, match="UseModel"):
    LocalDagRunner().run(Pipeline("custom", root, [resolver,
                                                   UseModel(model=resolver.outputs["model"])]))
  [failed] = _store(root).get_executions(state=md.Execution.FAILED)
  assert failed.name == "UseModel"
  assert "input 'model' resolved to no Model artifacts" in (
      failed.custom_properties["error"].string_value)
  assert not os.path.exists(os.path.join(root, "UseModel"))


def test_retention_never_deletes_imported_files(tmp_path):
  root = tmp_path / "root"
  data = root / "incoming"  # User data inside the pipeline root, imported twice.
  data.mkdir(parents=True)
  (data / "data.csv").write_text("a\n1\n")
  runner = LocalDagRunner()

  def run():
    raw = Importer(source_uri=str(data), artifact_type=Examples).with_id("raw")
    return runner.run(Pipeline("imports", root, [raw]))

  run()
  (data / "data.csv").write_text("a\n2\n")  # Changed: the second run imports a new record.
  run()
  store = _store(root)
  assert prune_runs(store, "imports", root, keep_last_runs=1) == []
  assert (data / "data.csv").read_text() == "a\n2\n"


def _binary(module, *args, check=True):
  done = subprocess.run([sys.executable, "-m", module] + list(args), capture_output=True,
                        text=True, timeout=300)
  if check:
    assert done.returncode == 0, done.stderr
  return done


def test_binaries_end_to_end(demo, tmp_path):
  _, code, data, root = demo
  run_args = ["--pipeline_module=%s" % (code / "demo_pipeline.py"), "--pipeline_root=%s" % root,
              "--data_root=%s" % data, "--max_parallel_nodes=2",
              "--beam_pipeline_args=--direct_num_workers=1"]
  first = _binary("tfx_core.orchestration.run_main", *run_args)
  assert "Train COMPLETE" in first.stdout
  second = _binary("tfx_core.orchestration.run_main", *run_args)
  assert "Train CACHED" in second.stdout and "cache hit" in second.stderr
  runs = _binary("tfx_core.orchestration.metadata_main", "runs", "--pipeline_root=%s" % root)
  lines = runs.stdout.splitlines()
  assert len(lines) == 2 and "5 COMPLETE" in lines[0] and "5 CACHED" in lines[1]
  nodes = _binary("tfx_core.orchestration.metadata_main", "nodes", "--pipeline_root=%s" % root)
  assert "Train" in nodes.stdout and "CACHED" in nodes.stdout
  store = _store(root)
  [model] = store.get_artifacts(type_name="Model")
  lineage = _binary("tfx_core.orchestration.metadata_main", "lineage",
                    "--pipeline_root=%s" % root, "--artifact_id=%d" % model.id, "--depth=5")
  assert str(data) in lineage.stdout and "import_csv" in lineage.stdout
  # The second run was all cache hits, so its outputs are the first run's: nothing to prune.
  prune = _binary("tfx_core.orchestration.metadata_main", "prune", "--pipeline_root=%s" % root,
                  "--pipeline_name=demo", "--keep_last_runs=1")
  assert json.loads(prune.stdout) == {"dry_run": False, "deleted": []}
  helptext = _binary("tfx_core.orchestration.run_main", "--help", check=False).stdout
  for flag in ("pipeline_root", "data_root", "metadata_url", "runner", "beam_pipeline_args",
               "[no]enable_cache", "max_parallel_nodes", "pipeline_arg"):
    assert "--%s:" % flag in helptext
  failed = _binary("tfx_core.orchestration.run_main", *run_args, "--pipeline_module=/nope.py",
                   check=False)
  assert failed.returncode != 0 and "no such file /nope.py" in failed.stderr
  # --pipeline_arg gives create_pipeline its other arguments (JSON values): a changed
  # parameter is a new execution.
  third = _binary("tfx_core.orchestration.run_main", *run_args,
                  "--pipeline_arg=sleep_seconds=0.01")
  assert "Summarize COMPLETE" in third.stdout and "Profile COMPLETE" in third.stdout
  for bad, message in (("colour=red", "create_pipeline takes no argument 'colour' (it takes "
                        "column, data_root, enable_cache, fail_if_exists, metadata_url, "
                        "pipeline_root, sleep_seconds)"),
                       ("pipeline_root=/x", "give pipeline_root with --pipeline_root"),
                       ("sleep_seconds=soon", "sleep_seconds takes a float (its default is "
                        "0.0), got 'soon'"),
                       ("sleep_seconds", "expected NAME=VALUE")):
    failed = _binary("tfx_core.orchestration.run_main", *run_args, "--pipeline_arg=" + bad,
                     check=False)
    assert failed.returncode != 0 and message in failed.stderr, failed.stderr
