"""Reads and prunes a pipeline's metadata.

  tfx-core-metadata runs   --pipeline_root=/tmp/root [--pipeline_name=NAME]
  tfx-core-metadata nodes  --pipeline_root=/tmp/root [--run_id=ID]     (default: latest run)
  tfx-core-metadata lineage --pipeline_root=/tmp/root --artifact_id=12 --direction=upstream
  tfx-core-metadata prune  --pipeline_root=/tmp/root --pipeline_name=NAME --keep_last_runs=5
"""

import datetime
import json
import sys

from absl import app, flags

from tfx_core.orchestration._cli import EXIT_FAILED, setup_logging, user_path

flags.DEFINE_string("metadata_url", None, "Metadata store URL (default: "
                    "<pipeline_root>/metadata.sqlite).")
flags.DEFINE_string("pipeline_root", None, "The pipeline root (locates the default store; "
                    "prune deletes only under it).")
flags.DEFINE_string("pipeline_name", None, "Limit `runs` to one pipeline; required by `prune`.")
flags.DEFINE_string("run_id", None, "`nodes`: the run to show (default: the latest).")
flags.DEFINE_integer("artifact_id", None, "`lineage`: the artifact to start from.")
flags.DEFINE_enum("direction", "upstream", ["upstream", "downstream", "both"],
                  "`lineage`: which way to follow events.")
flags.DEFINE_integer("depth", 3, "`lineage`: how many executions away to go.", lower_bound=1)
flags.DEFINE_integer("keep_last_runs", None, "`prune`: runs to keep.", lower_bound=1)
flags.DEFINE_bool("dry_run", False, "`prune`: list what would be deleted, delete nothing.")

FLAGS = flags.FLAGS
COMMANDS = ("runs", "nodes", "lineage", "prune")


def _time(ms):
  return datetime.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def _state(enum, value):
  return enum.State.Name(value)


def main(argv):
  if len(argv) != 2 or argv[1] not in COMMANDS:
    raise app.UsageError("give one command: %s" % ", ".join(COMMANDS))
  setup_logging()
  from tfx_core import metadata as md  # pylint: disable=import-outside-toplevel
  from tfx_core.orchestration import (PIPELINE_RUN, default_metadata_url,  # pylint: disable=import-outside-toplevel
                                      prune_runs)
  if not (FLAGS.metadata_url or FLAGS.pipeline_root):
    raise app.UsageError("give --metadata_url or --pipeline_root")
  root = user_path(FLAGS.pipeline_root)
  try:
    store = md.MetadataStore(user_path(FLAGS.metadata_url) or default_metadata_url(root))
  except md.MetadataStoreError as e:
    print("tfx-core-metadata: %s" % e, file=sys.stderr)
    return EXIT_FAILED
  command = argv[1]
  if command == "runs":
    properties = {"pipeline": FLAGS.pipeline_name} if FLAGS.pipeline_name else None
    for run in store.get_contexts(type_name=PIPELINE_RUN, properties=properties):
      executions = store.get_executions(context_id=run.id)
      states = [_state(md.Execution, e.state) for e in executions]
      print("%-28s %-20s %s  %s" % (run.custom_properties["run_id"].string_value,
                                    run.custom_properties["pipeline"].string_value,
                                    _time(run.create_time_ms),
                                    ", ".join("%d %s" % (states.count(s), s)
                                              for s in sorted(set(states)))))
  elif command == "nodes":
    runs = store.get_contexts(type_name=PIPELINE_RUN)
    if FLAGS.run_id:
      runs = [r for r in runs if r.custom_properties["run_id"].string_value == FLAGS.run_id]
    if not runs:
      raise app.UsageError("no run %s in %s" % (FLAGS.run_id or "", store.url))
    run = runs[-1]
    print("run %s of %s" % (run.custom_properties["run_id"].string_value,
                            run.custom_properties["pipeline"].string_value))
    for e in store.get_executions(context_id=run.id):
      outputs = store.get_events(execution_ids=[e.id], event_type=md.Event.OUTPUT)
      line = "  %-24s %-9s execution %-5d %.2f s  outputs %s" % (
          e.name, _state(md.Execution, e.state), e.id,
          (e.update_time_ms - e.create_time_ms) / 1000, [o.artifact_id for o in outputs])
      print(line)
      if e.state == md.Execution.FAILED:
        print("    " + e.custom_properties["error"].string_value.strip().splitlines()[-1])
  elif command == "lineage":
    if FLAGS.artifact_id is None:
      raise app.UsageError("lineage needs --artifact_id")
    if not store.get_artifacts(ids=[FLAGS.artifact_id]):
      print("tfx-core-metadata: no artifact %d in %s (`runs` and `nodes` list the ids)" % (
          FLAGS.artifact_id, store.url), file=sys.stderr)
      return EXIT_FAILED
    graph = store.get_lineage([FLAGS.artifact_id], FLAGS.direction, FLAGS.depth)
    for a in graph.artifacts:
      print("artifact  %-5d %-18s %-7s %s" % (a.id, a.type, _state(md.Artifact, a.state), a.uri))
    for e in graph.executions:
      ins = [v.artifact_id for v in graph.events
             if v.execution_id == e.id and v.type == md.Event.INPUT]
      outs = [v.artifact_id for v in graph.events
              if v.execution_id == e.id and v.type == md.Event.OUTPUT]
      print("execution %-5d %-18s %-8s in %s -> out %s" % (e.id, e.name,
                                                        _state(md.Execution, e.state), ins, outs))
  else:
    if not (FLAGS.pipeline_name and FLAGS.keep_last_runs and FLAGS.pipeline_root):
      raise app.UsageError("prune needs --pipeline_name, --pipeline_root and --keep_last_runs")
    deleted = prune_runs(store, FLAGS.pipeline_name, root, FLAGS.keep_last_runs,
                         dry_run=FLAGS.dry_run)
    print(json.dumps({"dry_run": FLAGS.dry_run,
                      "deleted": [{"id": a.id, "type": a.type, "uri": a.uri} for a in deleted]},
                     indent=1))
  return 0


def run():
  app.run(main)


if __name__ == "__main__":
  run()
