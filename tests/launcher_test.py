"""The node launcher: one node per process through tfx-core-launch, process isolation of
crashing nodes, abandoned executions, Ctrl-C, and the first-day problems of the binaries."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tfx_core import metadata as md
from tfx_core.dsl import (Cond, InputArtifact, OutputArtifact, Parameter, Pipeline,
                          compile_pipeline, component, logical_or)
from tfx_core.orchestration import LocalDagRunner, NodeState, PipelineRunError, launch, new_run_id
from tfx_core.types import Examples, Model, ModelBlessing, PushedModel

_TESTDATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata")
_LAUNCH = os.path.join(_TESTDATA, "launch")
_DEMO = os.path.join(_TESTDATA, "demo_pipeline")


@pytest.fixture
def pipelines(monkeypatch):
  monkeypatch.syspath_prepend(_LAUNCH)
  sys.modules.pop("launch_pipeline", None)
  import launch_pipeline  # pylint: disable=import-outside-toplevel
  yield launch_pipeline
  sys.modules.pop("launch_pipeline", None)


def _store(root):
  return md.MetadataStore("sqlite:///%s/metadata.sqlite" % root)


def _python(module, *args, check=True, **kwargs):
  done = subprocess.run([sys.executable, "-m", module] + [str(a) for a in args],
                        capture_output=True, text=True, timeout=600, **kwargs)
  if check:
    assert done.returncode == 0, done.stderr
  return done


def _write_ir(tmp_path, pipeline):
  path = tmp_path / "pipeline.pb"
  path.write_bytes(compile_pipeline(pipeline).SerializeToString())
  return path


def _launch(ir_file, node_id, run_id, *extra, check=False):
  return _python("tfx_core.orchestration.launch_main", "--pipeline_ir=%s" % ir_file,
                 "--node_id=" + node_id, "--run_id=" + run_id, *extra, check=check)


def _staging_left(root):
  return [os.path.join(d, f) for d, _, files in os.walk(root) if ".staging" in d
          for f in files]


def _wait_for(path, seconds=120):
  deadline = time.monotonic() + seconds
  while not os.path.exists(path) or not open(path).read():
    assert time.monotonic() < deadline, "%s never appeared" % path
    time.sleep(0.05)


def test_launch_exit_statuses_and_missing_upstream(pipelines, tmp_path):
  root = tmp_path / "root"
  ir_file = _write_ir(tmp_path, pipelines.create_pipeline(root))
  run_id = new_run_id()
  early = _launch(ir_file, "Misbehave", run_id)
  assert early.returncode == 2
  assert "upstream node(s) Produce have published no outputs in run" in early.stderr
  assert _launch(ir_file, "Produce", run_id).returncode == 0
  done = _launch(ir_file, "Misbehave", run_id)
  assert done.returncode == 0 and "node Misbehave COMPLETE" in done.stderr
  again = _launch(ir_file, "Misbehave", new_run_id())  # Another run: Produce not there yet.
  assert again.returncode == 2
  unknown = _launch(ir_file, "Nope", run_id)
  assert unknown.returncode == 2 and "has no node 'Nope'" in unknown.stderr
  crash_ir = _write_ir(tmp_path, pipelines.create_pipeline(root, how="exit"))
  failed = _launch(crash_ir, "Misbehave", run_id)
  assert failed.returncode == 3  # os._exit in the executor: the process's own status.
  bad_args = _launch(ir_file, "Produce", run_id, "--beam_pipeline_args=--direct_num_workers=two")
  assert bad_args.returncode == 2 and "invalid int value: 'two'" in bad_args.stderr


def test_sigkill_mid_executor_publishes_nothing_and_the_rerun_completes(pipelines, tmp_path):
  root, started = tmp_path / "root", tmp_path / "started"
  ir_file = _write_ir(tmp_path, pipelines.create_pipeline(root, how="sleep",
                                                          started_file=str(started)))
  run_id = new_run_id()
  assert _launch(ir_file, "Produce", run_id).returncode == 0
  child = subprocess.Popen([sys.executable, "-m", "tfx_core.orchestration.launch_main",
                            "--pipeline_ir=%s" % ir_file, "--node_id=Misbehave",
                            "--run_id=" + run_id], stderr=subprocess.PIPE)
  _wait_for(started)
  child.send_signal(signal.SIGKILL)
  child.wait()
  store = _store(root)
  [running] = store.get_executions(name="Misbehave")
  assert running.state == md.Execution.RUNNING  # Nobody could record anything.
  assert not os.path.exists(root / "Misbehave" / "model")  # Nothing published...
  assert _staging_left(root)  # ... and the half-written output is still in staging.

  ok_ir = _write_ir(tmp_path, pipelines.create_pipeline(root))
  rerun = _launch(ok_ir, "Misbehave", run_id)
  assert rerun.returncode == 0, rerun.stderr
  first, second = store.get_executions(name="Misbehave")
  assert first.state == md.Execution.FAILED and second.state == md.Execution.COMPLETE
  assert "abandoned: the process that ran it" in first.custom_properties["error"].string_value
  assert not _staging_left(root)
  [model_dir] = os.listdir(root / "Misbehave" / "model")
  assert (root / "Misbehave" / "model" / model_dir / "model.txt").read_text() == "x"


def test_process_isolation_names_the_signal_and_independent_nodes_finish(pipelines, tmp_path):
  root = tmp_path / "root"
  for how, reason in (("segfault", "killed by signal SIGSEGV"),
                      ("sigkill", "killed by signal SIGKILL (out of memory?)"),
                      ("exit", "exited with status 3")):
    with pytest.raises(PipelineRunError) as failure:
      LocalDagRunner(isolation="process").run(pipelines.create_pipeline(root, how=how))
    result = failure.value.result
    assert result.node_states["Misbehave"] == NodeState.FAILED
    assert result.node_states["Independent"] in (NodeState.COMPLETE, NodeState.CACHED)
    assert result.node_states["Produce"] in (NodeState.COMPLETE, NodeState.CACHED)
    failed = _store(root).get_executions(name="Misbehave", state=md.Execution.FAILED)[-1]
    assert reason in failed.custom_properties["error"].string_value
    assert not _staging_left(root)
    assert not os.path.exists(root / "Misbehave" / "model")
  assert not _store(root).get_executions(state=md.Execution.RUNNING)
  fixed = LocalDagRunner(isolation="process").run(pipelines.create_pipeline(root))
  assert fixed.node_states == {"Produce": "CACHED", "Independent": "CACHED",
                               "Misbehave": "COMPLETE"}


@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_ctrl_c_marks_running_executions_failed_and_the_run_resumes(pipelines, tmp_path,
                                                                    isolation):
  root, started = tmp_path / "root", tmp_path / "started"
  script = tmp_path / "pipeline.py"
  shutil.copy(os.path.join(_LAUNCH, "launch_pipeline.py"), script)
  args = ["--pipeline_module=%s" % script, "--pipeline_root=%s" % root,
          "--isolation=" + isolation]
  child = subprocess.Popen(
      [sys.executable, "-m", "tfx_core.orchestration.run_main"] + args,
      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
      env=dict(os.environ, LAUNCH_PIPELINE_HOW="sleep",
                   LAUNCH_PIPELINE_STARTED_FILE=str(started)))
  _wait_for(started)
  child.send_signal(signal.SIGINT)
  _, stderr = child.communicate(timeout=120)
  assert child.returncode == 130, stderr
  assert "interrupted; run it again to resume" in stderr
  assert "Traceback" not in stderr
  store = _store(root)
  assert not store.get_executions(state=md.Execution.RUNNING)
  [stopped] = store.get_executions(name="Misbehave")
  assert stopped.state == md.Execution.FAILED
  assert "interrupted" in stopped.custom_properties["error"].string_value
  assert not _staging_left(root) and not os.path.exists(root / "Misbehave" / "model")
  resumed = _python("tfx_core.orchestration.run_main", *args)
  assert "Misbehave COMPLETE" in resumed.stdout and "Produce CACHED" in resumed.stdout


def test_new_metadata_store_over_an_old_root(pipelines, tmp_path):
  root = tmp_path / "root"
  first = LocalDagRunner().run(pipelines.create_pipeline(root))
  os.remove(root / "metadata.sqlite")  # Execution ids start at 1 again.
  second = LocalDagRunner().run(pipelines.create_pipeline(root))
  assert set(second.node_states.values()) == {NodeState.COMPLETE}
  old = first.outputs["Misbehave"]["model"][0].uri
  new = second.outputs["Misbehave"]["model"][0].uri
  assert old != new and os.path.isfile(os.path.join(old, "model.txt"))
  assert os.path.isfile(os.path.join(new, "model.txt"))


def test_launch_in_process_equals_the_runner(pipelines, tmp_path):
  root = tmp_path / "root"
  ir = compile_pipeline(pipelines.create_pipeline(root))
  store = _store(root)
  run_id = new_run_id()
  results = {n.id: launch(ir, n.id, run_id, store) for n in ir.nodes}
  assert {k: r.state for k, r in results.items()} == {
      "Produce": "COMPLETE", "Misbehave": "COMPLETE", "Independent": "COMPLETE"}
  cached = LocalDagRunner().run(ir)
  assert set(cached.node_states.values()) == {NodeState.CACHED}


def test_script_with_components_and_flags_runs_directly(tmp_path):
  for isolation in ("thread", "process"):
    root = tmp_path / isolation
    done = subprocess.run([sys.executable, os.path.join(_LAUNCH, "script_pipeline.py"),
                           "--pipeline_root=%s" % root, "--n=7", "--isolation=" + isolation],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "'Write': 'COMPLETE'" in done.stdout
    [out] = os.listdir(root / "Write" / "model")
    assert (root / "Write" / "model" / out / "n.txt").read_text() == "7"


def test_relative_paths_follow_the_users_directory(tmp_path):
  user_dir = tmp_path / "me"
  user_dir.mkdir()
  shutil.copy(os.path.join(_LAUNCH, "launch_pipeline.py"), user_dir / "my_pipeline.py")
  # As `bazel run` starts a binary: elsewhere, with the user's directory in the environment.
  done = _python("tfx_core.orchestration.run_main", "--pipeline_module=my_pipeline.py",
                 "--pipeline_root=root", cwd=str(tmp_path),
                 env=dict(os.environ, BUILD_WORKING_DIRECTORY=str(user_dir)))
  assert "Misbehave COMPLETE" in done.stdout
  assert os.path.isfile(user_dir / "root" / "metadata.sqlite")
  assert not os.path.exists(tmp_path / "root")


def test_bad_beam_args_are_refused_before_any_node_runs(tmp_path):
  root = tmp_path / "root"
  done = _python("tfx_core.orchestration.run_main",
                 "--pipeline_module=%s" % os.path.join(_LAUNCH, "launch_pipeline.py"),
                 "--pipeline_root=%s" % root, "--beam_pipeline_args=--direct_num_workers=two",
                 check=False)
  assert done.returncode == 2
  assert "--direct_num_workers: invalid int value: 'two'" in done.stderr
  assert "usage:" not in done.stderr
  assert not os.path.exists(root / "Produce")


def test_corrupt_metadata_file_gives_one_clear_error(tmp_path):
  root = tmp_path / "root"
  root.mkdir()
  (root / "metadata.sqlite").write_bytes(b"this is not a database" * 100)
  done = _python("tfx_core.orchestration.run_main",
                 "--pipeline_module=%s" % os.path.join(_LAUNCH, "launch_pipeline.py"),
                 "--pipeline_root=%s" % root, check=False)
  assert done.returncode == 2
  assert "metadata store %s cannot be read" % (root / "metadata.sqlite") in done.stderr
  assert "move it aside and run again" in done.stderr and "Traceback" not in done.stderr
  with pytest.raises(md.MetadataStoreError, match="cannot be read"):
    md.MetadataStore(str(root / "metadata.sqlite"))


def test_metadata_cli_lineage_of_a_missing_artifact(pipelines, tmp_path):
  root = tmp_path / "root"
  LocalDagRunner().run(pipelines.create_pipeline(root))
  done = _python("tfx_core.orchestration.metadata_main", "lineage",
                 "--pipeline_root=%s" % root, "--artifact_id=999", check=False)
  assert done.returncode == 1 and "no artifact 999" in done.stderr
  helptext = _python("tfx_core.orchestration.run_main", "--help", check=False).stdout
  assert "Airflow" not in helptext and "Kubeflow" not in helptext


def test_quiet_logs_and_no_runner_download(tmp_path):
  data = tmp_path / "data"
  data.mkdir()
  (data / "data.csv").write_text("species,body_mass_g\nA,3000\n")
  done = _python("tfx_core.orchestration.run_main",
                 "--pipeline_module=%s" % os.path.join(_DEMO, "demo_pipeline.py"),
                 "--pipeline_root=%s" % (tmp_path / "root"), "--data_root=%s" % data)
  for noise in ("Prism", "prism", "apitools", "bigquery", "oneDNN", "cpu_feature_guard"):
    assert noise not in done.stderr
  assert "[Train] running execution" in done.stderr


def test_cache_miss_reasons_name_what_changed(tmp_path, caplog):
  from tfx_core.components import ExampleGen, ImportSchemaGen  # pylint: disable=import-outside-toplevel
  caplog.set_level("INFO", logger="tfx_core")
  data = tmp_path / "data"
  data.mkdir()
  (data / "data.csv").write_text("fare,company\n1.5,a\n2.5,b\n")
  schema = tmp_path / "schema.pbtxt"
  schema.write_text('feature { name: "fare" type: FLOAT }\n')

  def run():
    pipeline = Pipeline("reasons", tmp_path / "root", [
        ExampleGen(input_base=str(data)), ImportSchemaGen(schema_file=str(schema))],
                        enable_cache=True)
    return LocalDagRunner().run(pipeline).node_states

  run()
  (data / "data.csv").write_text("fare,company\n1.5,a\n2.75,b\n")  # One value.
  schema.write_text('feature { name: "fare" type: FLOAT }\nfeature { name: "company" '
                    'type: BYTES }\n')
  caplog.clear()
  assert run() == {"ExampleGen": "COMPLETE", "ImportSchemaGen": "COMPLETE"}
  assert "[ExampleGen] cache miss: input file %s changed" % (data / "data.csv") in caplog.text
  assert "[ImportSchemaGen] cache miss: input file %s changed" % schema in caplog.text
  assert "outputs are gone" not in caplog.text
  # Outputs deleted by hand: said so, with the folder.
  shutil.rmtree(tmp_path / "root" / "ExampleGen" / "examples")
  caplog.clear()
  assert run()["ExampleGen"] == "COMPLETE"
  assert "are gone (%s" % (tmp_path / "root" / "ExampleGen" / "examples") in caplog.text


@component
def Score(model: OutputArtifact[Model], value: Parameter[int]):
  model.set("score", value)
  with open(os.path.join(model.uri, "score"), "w") as f:
    f.write(str(value))


@component
def Bless(model: InputArtifact[Model], blessing: OutputArtifact[ModelBlessing],
          threshold: Parameter[int]):
  with open(os.path.join(model.uri, "score")) as f:
    blessing.set("blessed", int(int(f.read()) >= threshold))
  blessing.set("current_model_id", model.id)


@component
def Ship(model: InputArtifact[Model], pushed: OutputArtifact[PushedModel]):
  pushed.set("pushed", 1)


@component
def Announce(pushed: InputArtifact[PushedModel], note: OutputArtifact[Examples]):
  del pushed, note


def _cond_pipeline(root, value):
  score = Score(value=value)
  bless = Bless(model=score.outputs["model"], threshold=10)
  with Cond(bless.outputs["blessing"].future()[0].property("blessed") == 1):
    with Cond(logical_or(score.outputs["model"].future()[0].custom_property("score") > 0,
                         ~(score.outputs["model"].future()[0].uri == ""))):
      ship = Ship(model=score.outputs["model"])
  announce = Announce(pushed=ship.outputs["pushed"])
  return Pipeline("cond", root, [score, bless, ship, announce])


@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_cond_runs_nodes_only_when_the_predicate_holds(tmp_path, isolation):
  root = tmp_path / "root"
  runner = LocalDagRunner(isolation=isolation)
  good = runner.run(_cond_pipeline(root, 20))
  assert good.node_states == {"Score": "COMPLETE", "Bless": "COMPLETE", "Ship": "COMPLETE",
                              "Announce": "COMPLETE"}
  bad = runner.run(_cond_pipeline(root, 5))  # Not blessed: Ship and what follows are skipped.
  assert bad.node_states == {"Score": "COMPLETE", "Bless": "COMPLETE", "Ship": "SKIPPED",
                             "Announce": "SKIPPED"}
  [cancelled] = _store(root).get_executions(state=md.Execution.CANCELED)
  assert cancelled.name == "Ship"
  assert ("condition Bless.outputs['blessing'][0].property('blessed') == 1 is false"
          in cancelled.custom_properties["skipped"].string_value)


def test_cond_in_the_ir_and_its_errors(tmp_path):
  ir = compile_pipeline(_cond_pipeline(tmp_path / "root", 20))
  ship = next(n for n in ir.nodes if n.id == "Ship")
  assert len(ship.conditions) == 2 and "Bless" in ship.upstream_nodes
  assert ship.conditions[0].comparison.left.property == "blessed"
  assert ship.conditions[1].logical.op == ship.conditions[1].logical.OR
  score = Score(value=1)
  with pytest.raises(TypeError, match="evaluated when the pipeline runs"):
    if score.outputs["model"].future()[0].custom_property("score") == 1:
      pass
  with pytest.raises(TypeError, match="not the artifact itself"):
    _ = score.outputs["model"].future()[0] == 1
  # Launched on its own, a node after a skipped one is skipped too (exit 0), never failed.
  root = tmp_path / "launched"
  ir_file = _write_ir(tmp_path, _cond_pipeline(root, 5))
  run_id = new_run_id()
  for node_id in ("Score", "Bless", "Ship", "Announce"):
    done = _launch(ir_file, node_id, run_id)
    assert done.returncode == 0, done.stderr
  assert "node Announce SKIPPED" in done.stderr and "upstream node(s) Ship skipped" in done.stderr


def test_tensorflow_load_notices_are_quiet_unless_asked(tmp_path):
  args = ["--pipeline_module=%s" % os.path.join(_LAUNCH, "tf_pipeline.py")]
  # TensorFlow turns oneDNN (and its notice) on by default only on CPUs with VNNI/AMX;
  # asking for it makes the notice appear on every machine.
  env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS="1")
  quiet = _python("tfx_core.orchestration.run_main", *args,
                  "--pipeline_root=%s" % (tmp_path / "quiet"), env=env)
  assert "UseTensorFlow COMPLETE" in quiet.stdout
  for noise in ("oneDNN", "InitializeLog", "cpu_feature_guard"):
    assert noise not in quiet.stderr
  assert "[UseTensorFlow] running execution" in quiet.stderr  # Our lines stay.
  loud = _python("tfx_core.orchestration.run_main", *args, "--verbosity=0",
                 "--pipeline_root=%s" % (tmp_path / "loud"), env=env)
  assert "oneDNN custom operations are on" in loud.stderr


def test_ctrl_c_during_the_tensorflow_import_still_says_how_to_resume(tmp_path):
  err = tmp_path / "stderr"
  with open(err, "w") as stderr:
    child = subprocess.Popen(
        [sys.executable, "-m", "tfx_core.orchestration.run_main",
         "--pipeline_module=%s" % os.path.join(_LAUNCH, "tf_pipeline.py"),
         "--pipeline_root=%s" % (tmp_path / "root")], stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.monotonic() + 120
    while "[UseTensorFlow] running execution" not in err.read_text():
      assert time.monotonic() < deadline
      time.sleep(0.02)
    child.send_signal(signal.SIGINT)  # TensorFlow's import takes seconds: we are inside it.
    assert child.wait(timeout=120) == 130
  assert "interrupted; run it again to resume" in err.read_text()
