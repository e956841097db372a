"""The metadata store on SQLite and PostgreSQL: types, properties, queries, atomic publishing,
lineage, schema migrations, concurrent writers in separate processes, crash durability."""

import signal
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from metadata_backends import metadata_url  # noqa: F401  (a pytest fixture)
from tfx_core.metadata import (ARTIFACT, CONTEXT, EXECUTION, INT, STRING, Artifact, Event,
                               Execution, MetadataStore, SchemaVersionError, _schema)


@pytest.fixture
def store(metadata_url):  # noqa: F811
  store = MetadataStore(metadata_url)
  store.put_type(ARTIFACT, "Examples", {"span": INT, "split_names": STRING})
  store.put_type(EXECUTION, "Trainer", {"step": INT})
  yield store
  store.close()


def examples(uri, span=0, **custom):
  a = Artifact(type="Examples", uri=uri, state=Artifact.LIVE)
  a.properties["span"].int_value = span
  for k, v in custom.items():
    a.custom_properties[k].string_value = v
  return a


def test_types_are_idempotent_and_checked(store):
  again = store.put_type(ARTIFACT, "Examples", {"span": INT})
  assert again.properties == {"span": INT, "split_names": STRING}
  grown = store.put_type(ARTIFACT, "Examples", {"version": INT})
  assert set(grown.properties) == {"span", "split_names", "version"}
  with pytest.raises(ValueError, match="declares property 'span' as INT"):
    store.put_type(ARTIFACT, "Examples", {"span": STRING})
  bad = Artifact(type="Examples", uri="/x")
  bad.properties["nope"].int_value = 1
  with pytest.raises(ValueError, match="has no property 'nope'"):
    store.put_artifacts([bad])
  wrong = Artifact(type="Examples", uri="/x")
  wrong.properties["span"].string_value = "3"
  with pytest.raises(ValueError, match="property 'span' of artifact type 'Examples' must be INT"):
    store.put_artifacts([wrong])
  with pytest.raises(KeyError, match="no artifact type Model"):
    store.put_artifacts([Artifact(type="Model", uri="/m")])


def test_artifact_round_trip_update_and_queries(store):
  ids = store.put_artifacts([examples("/a", 1, owner="x"), examples("/b", 2), examples("/c", 2)])
  assert ids == sorted(ids) and len(set(ids)) == 3
  [a] = store.get_artifacts(ids=[ids[0]])
  assert (a.uri, a.type, a.state, a.properties["span"].int_value) == ("/a", "Examples",
                                                                       Artifact.LIVE, 1)
  assert a.custom_properties["owner"].string_value == "x"
  assert a.create_time_ms > 0 and a.update_time_ms == a.create_time_ms
  assert [x.uri for x in store.get_artifacts(properties={"span": 2})] == ["/b", "/c"]
  assert [x.uri for x in store.get_artifacts(properties={"owner": "x"})] == ["/a"]
  assert [x.uri for x in store.get_artifacts(type_name="Examples", newest_first=True,
                                             limit=2)] == ["/c", "/b"]
  a.state = Artifact.DELETED
  del a.custom_properties["owner"]
  store.put_artifacts([a])
  [again] = store.get_artifacts(ids=[ids[0]])
  assert again.state == Artifact.DELETED and "owner" not in again.custom_properties
  assert [x.uri for x in store.get_artifacts(state=Artifact.LIVE)] == ["/b", "/c"]
  assert store.get_artifacts(uri="/b")[0].id == ids[1]


def test_publish_execution_links_everything_in_one_transaction(store):
  run = store.get_or_create_context("pipeline_run", "run-1")
  assert store.get_or_create_context("pipeline_run", "run-1").id == run.id
  [source] = store.put_artifacts([examples("/in")])
  [source_artifact] = store.get_artifacts(ids=[source])
  execution = Execution(type="Trainer", state=Execution.COMPLETE)
  execution.properties["step"].int_value = 7
  execution_id, (in_id, out_id) = store.publish_execution(
      execution,
      [(source_artifact, Event(type=Event.INPUT, key="examples")),
       (examples("/out", 9), Event(type=Event.OUTPUT, key="model", index=0))],
      [run])
  assert in_id == source
  events = store.get_events(execution_ids=[execution_id])
  assert [(e.artifact_id, e.type, e.key) for e in events] == [
      (in_id, Event.INPUT, "examples"), (out_id, Event.OUTPUT, "model")]
  assert [e.id for e in store.get_executions(context_id=run.id)] == [execution_id]
  assert {a.id for a in store.get_artifacts(context_id=run.id)} == {in_id, out_id}
  assert [c.name for c in store.get_contexts_of(execution_id=execution_id)] == ["run-1"]

  # A failure inside publish (an undeclared property on the output) leaves nothing behind.
  bad_output = examples("/bad")
  bad_output.properties["undeclared"].int_value = 1
  with pytest.raises(ValueError):
    store.publish_execution(Execution(type="Trainer", state=Execution.COMPLETE),
                            [(bad_output, Event(type=Event.OUTPUT, key="model"))], [run])
  assert len(store.get_executions()) == 1
  assert len(store.get_artifacts()) == 2
  assert len(store.get_events()) == 2


def _chain(store, length):
  """a0 -> e1 -> a1 -> ... -> e_length -> a_length; returns (artifact ids, execution ids)."""
  [a0] = store.put_artifacts([examples("/chain/0")])
  artifacts, executions = [a0], []
  for i in range(1, length + 1):
    [previous] = store.get_artifacts(ids=[artifacts[-1]])
    execution_id, (_, out) = store.publish_execution(
        Execution(type="Trainer", state=Execution.COMPLETE),
        [(previous, Event(type=Event.INPUT, key="in")),
         (examples("/chain/%d" % i), Event(type=Event.OUTPUT, key="out"))])
    artifacts.append(out)
    executions.append(execution_id)
  return artifacts, executions


def test_lineage_respects_depth_and_direction(store):
  a, e = _chain(store, 10)
  up = store.get_lineage([a[8]], "upstream", depth=3)
  assert sorted(x.id for x in up.executions) == e[5:8]  # e6, e7, e8 produce a6..a8
  assert sorted(x.id for x in up.artifacts) == a[5:9]
  assert len(up.events) == 6
  down = store.get_lineage([a[2]], "downstream", depth=2)
  assert sorted(x.id for x in down.executions) == e[2:4]
  assert sorted(x.id for x in down.artifacts) == a[2:5]
  both = store.get_lineage([a[5]], "both", depth=1)
  assert sorted(x.id for x in both.executions) == [e[4], e[5]]
  assert sorted(x.id for x in both.artifacts) == [a[4], a[5], a[6]]
  everything = store.get_lineage([a[10]], "upstream", depth=100)
  assert len(everything.executions) == 10 and len(everything.artifacts) == 11
  assert store.get_lineage([a[0]], "upstream", depth=5).executions == []
  with pytest.raises(ValueError, match="direction"):
    store.get_lineage([a[0]], "sideways")


def test_lineage_through_a_diamond(store):
  [root] = store.put_artifacts([examples("/root")])
  [root_artifact] = store.get_artifacts(ids=[root])
  left = store.publish_execution(Execution(type="Trainer"), [
      (root_artifact, Event(type=Event.INPUT)), (examples("/l"), Event(type=Event.OUTPUT))])[1][1]
  right = store.publish_execution(Execution(type="Trainer"), [
      (root_artifact, Event(type=Event.INPUT)), (examples("/r"), Event(type=Event.OUTPUT))])[1][1]
  merged_exec, (_, _, merged) = store.publish_execution(Execution(type="Trainer"), [
      (store.get_artifacts(ids=[left])[0], Event(type=Event.INPUT, key="a")),
      (store.get_artifacts(ids=[right])[0], Event(type=Event.INPUT, key="b")),
      (examples("/m"), Event(type=Event.OUTPUT))])
  graph = store.get_lineage([merged], "upstream", depth=2)
  assert sorted(x.uri for x in graph.artifacts) == ["/l", "/m", "/r", "/root"]
  assert len(graph.executions) == 3


def test_migrates_a_version_1_database_forward(metadata_url):  # noqa: F811
  engine = sa.create_engine(MetadataStore(metadata_url).url)  # Creates the latest schema...
  with engine.begin() as conn:  # ...then roll it back to version 1 by hand.
    for index in ("ix_artifact_properties_name_int", "ix_execution_properties_name",
                  "ix_artifacts_state"):
      conn.exec_driver_sql("DROP INDEX " + index)
    conn.execute(_schema.schema_version.update().values(version=1))
  store = MetadataStore(metadata_url)
  assert store.schema_version() == _schema.LATEST_VERSION == 2
  with engine.connect() as conn:
    assert "ix_artifacts_state" in {i["name"] for i in sa.inspect(conn).get_indexes("artifacts")}
  with engine.begin() as conn:
    conn.execute(_schema.schema_version.update().values(version=99))
  with pytest.raises(SchemaVersionError, match="schema version 99, newer than this tfx_core's 2"):
    MetadataStore(metadata_url)
  engine.dispose()


_WRITER = textwrap.dedent("""
    import sys
    from tfx_core.metadata import *
    url, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = MetadataStore(url)
    store.put_type(ARTIFACT, "Examples", {"span": INT})
    store.put_type(EXECUTION, "Trainer", {"step": INT})
    run = store.get_or_create_context("pipeline_run", "shared-run")
    for i in range(count):
      out = Artifact(type="Examples", uri="/%s/%d" % (name, i), state=Artifact.LIVE)
      out.properties["span"].int_value = i
      store.publish_execution(Execution(type="Trainer", state=Execution.COMPLETE, name=name),
                              [(out, Event(type=Event.OUTPUT, key="out"))], [run])
""")


def test_two_processes_writing_concurrently_lose_nothing(metadata_url, tmp_path):  # noqa: F811
  script = tmp_path / "writer.py"
  script.write_text(_WRITER)
  count = 150
  writers = [subprocess.Popen([sys.executable, str(script), metadata_url, name, str(count)],
                              stderr=subprocess.PIPE, text=True) for name in ("w1", "w2")]
  for w in writers:
    _, err = w.communicate(timeout=300)
    assert w.returncode == 0, err
  store = MetadataStore(metadata_url)
  [run] = store.get_contexts(type_name="pipeline_run")
  executions = store.get_executions(context_id=run.id)
  assert sorted(e.name for e in executions).count("w1") == count
  assert len(executions) == 2 * count
  artifacts = store.get_artifacts(context_id=run.id)
  assert sorted(a.uri for a in artifacts) == sorted(
      "/%s/%d" % (n, i) for n in ("w1", "w2") for i in range(count))
  assert len(store.get_events(event_type=Event.OUTPUT)) == 2 * count
  assert len(store.get_types(ARTIFACT)) == 1 and len(store.get_types(CONTEXT)) == 1


_CRASHER = textwrap.dedent("""
    import os, signal, sys
    from tfx_core.metadata import *
    store = MetadataStore(sys.argv[1])
    store.put_type(ARTIFACT, "Examples", {})
    for i in range(10**6):
      [artifact_id] = store.put_artifacts([Artifact(type="Examples", uri="/crash/%d" % i)])
      print(artifact_id, flush=True)  # Printed only after the commit returned.
      if i == 200:
        os.kill(os.getpid(), signal.SIGKILL)
""")


def test_commits_survive_a_killed_writer(metadata_url, tmp_path):  # noqa: F811
  script = tmp_path / "crasher.py"
  script.write_text(_CRASHER)
  done = subprocess.run([sys.executable, str(script), metadata_url], capture_output=True,
                        text=True, timeout=300)
  assert done.returncode == -signal.SIGKILL, done.stderr
  committed = [int(line) for line in done.stdout.split()]
  assert len(committed) == 201
  found = {a.id for a in MetadataStore(metadata_url).get_artifacts(type_name="Examples")}
  assert set(committed) <= found


def test_in_memory_sqlite_is_refused():
  with pytest.raises(ValueError, match="in-memory SQLite .* is not supported"):
    MetadataStore("sqlite://")


def test_fail_if_running_never_overwrites_a_finished_execution(store):
  store.put_type(EXECUTION, "Trainer")
  running = Execution(type="Trainer", name="t", state=Execution.RUNNING)
  done = Execution(type="Trainer", name="t", state=Execution.COMPLETE)
  [running_id, done_id] = store.put_executions([running, done])
  assert store.fail_if_running(running_id, "abandoned")
  assert not store.fail_if_running(done_id, "abandoned")
  assert not store.fail_if_running(running_id, "again")  # Already FAILED: left as it is.
  by_id = {e.id: e for e in store.get_executions(ids=[running_id, done_id])}
  assert by_id[running_id].state == Execution.FAILED
  assert by_id[running_id].custom_properties["error"].string_value == "abandoned"
  assert by_id[done_id].state == Execution.COMPLETE and "error" not in (
      by_id[done_id].custom_properties)
