"""Runs a pipeline: loads a module that defines create_pipeline(...) and runs it locally.

  tfx-core-run --pipeline_module=my_pipeline.py --pipeline_root=/tmp/root --data_root=data/
  bazel run //python:run_pipeline -- --pipeline_module=... (same flags)

create_pipeline receives whichever of pipeline_root, data_root, beam_pipeline_args,
metadata_url and enable_cache it declares, and any other of its arguments through
--pipeline_arg=NAME=VALUE. Relative paths are taken from the directory the
command was run in (also under `bazel run`). Exit status 1 if a node failed, 2 for a bad flag
or Beam option (checked before any node runs), 130 after Ctrl-C; running again resumes:
completed nodes hit the cache.
"""

import importlib
import inspect
import json
import logging
import os
import shlex
import sys

from absl import app, flags

from tfx_core.orchestration._cli import (EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE,
                                         restore_stderr, setup_logging, user_path)
from tfx_core.metadata import from_value
from tfx_core.types import (HYPERPARAMETERS_FILE, InferenceResult, InfraBlessing, Model,
                            ModelBlessing, ModelEvaluation, PushedModel)

flags.DEFINE_string("pipeline_module", None,
                    "The pipeline: a .py file path or an importable module name; it must "
                    "define create_pipeline(...).")
flags.DEFINE_string("pipeline_root", None, "Folder for the pipeline's outputs (and, by default, "
                    "its SQLite metadata store).")
flags.DEFINE_string("data_root", None, "Folder of input data, passed to create_pipeline.")
flags.DEFINE_string("metadata_url", None,
                    "Metadata store: sqlite:///path, postgresql://user@host:port/db or a file "
                    "path. Default: <pipeline_root>/metadata.sqlite.")
flags.DEFINE_enum("runner", "local", ["local"], "Orchestrator: the local DAG runner.")
flags.DEFINE_enum("isolation", "thread", ["thread", "process"],
                  "thread: nodes run in this process; process: each node runs in a child "
                  "process (tfx-core-launch), so a crash or out-of-memory fails only that node.")
flags.DEFINE_multi_string("beam_pipeline_args", [],
                          "Beam options for every Beam-using executor, e.g. "
                          "--beam_pipeline_args='--direct_num_workers=2 "
                          "--direct_running_mode=multi_processing'. Repeatable. Default: "
                          "Beam's in-process FnApiRunner.")
flags.DEFINE_multi_string("pipeline_arg", [],
                          "NAME=VALUE: another argument of create_pipeline, e.g. "
                          "--pipeline_arg=enable_tuning=false. VALUE is read as JSON (a number, "
                          "true/false, a list, a quoted string), else taken as a string; it must "
                          "have the type of the argument's default, if it has one. Repeatable.")
flags.DEFINE_bool("enable_cache", None, "Reuse outputs of earlier identical executions "
                  "(default: as the pipeline says; --enable_cache / --noenable_cache override).")
flags.DEFINE_integer("max_parallel_nodes", 4, "Nodes run at the same time, at most.",
                     lower_bound=1)
flags.mark_flags_as_required(["pipeline_module", "pipeline_root"])

FLAGS = flags.FLAGS


def load_module(name_or_path):
  """Imports a module by dotted name, or from a .py file path (its folder joins sys.path so
  that the module's own local imports work)."""
  from tfx_core.orchestration._launcher import load_source_file  # pylint: disable=import-outside-toplevel
  if name_or_path.endswith(".py") or os.sep in name_or_path:
    path = user_path(name_or_path)
    if not os.path.isfile(path):
      raise app.UsageError("--pipeline_module: no such file %s" % path)
    sys.path.insert(0, os.path.dirname(path))
    return load_source_file(os.path.splitext(os.path.basename(path))[0], path)
  return importlib.import_module(name_or_path)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError("unexpected arguments: %s" % " ".join(argv[1:]))
  setup_logging()
  from tfx_core.metadata import MetadataStoreError  # pylint: disable=import-outside-toplevel
  from tfx_core.orchestration import (LocalDagRunner, PipelineInterrupted,  # pylint: disable=import-outside-toplevel
                                      PipelineRunError)
  module = load_module(FLAGS.pipeline_module)
  create = getattr(module, "create_pipeline", None)
  if create is None:
    raise app.UsageError("%s defines no create_pipeline(...)" % FLAGS.pipeline_module)
  beam_args = [a for value in FLAGS.beam_pipeline_args for a in shlex.split(value)]
  metadata_url = user_path(FLAGS.metadata_url)
  offered = dict(pipeline_root=user_path(FLAGS.pipeline_root),
                 data_root=user_path(FLAGS.data_root), beam_pipeline_args=beam_args,
                 metadata_url=metadata_url, enable_cache=FLAGS.enable_cache)
  accepted = inspect.signature(create).parameters
  kwargs = {k: v for k, v in offered.items() if k in accepted and v is not None}
  kwargs.update(_pipeline_args(FLAGS.pipeline_arg, accepted, offered))
  pipeline = create(**kwargs)
  runner = LocalDagRunner(metadata_url=metadata_url, max_parallel_nodes=FLAGS.max_parallel_nodes,
                          enable_cache=FLAGS.enable_cache, beam_pipeline_args=beam_args,
                          isolation=FLAGS.isolation)
  try:
    result = runner.run(pipeline)
  except PipelineRunError as e:
    logging.error("%s", e)
    return EXIT_FAILED
  except PipelineInterrupted as e:
    restore_stderr()  # Ctrl-C during `import tensorflow`: the filter must not eat this line.
    print("tfx-core-run: %s" % e, file=sys.stderr, flush=True)
    # Executors still unwinding in threads must not hold the exit up (nothing they do now
    # is published), so leave at once.
    logging.shutdown()
    os._exit(EXIT_INTERRUPTED)  # pylint: disable=protected-access
  except (ValueError, MetadataStoreError) as e:
    print("tfx-core-run: %s" % e, file=sys.stderr)
    return EXIT_USAGE
  print("run %s of pipeline %s: %s" % (result.run_id, result.pipeline_name, ", ".join(
      "%s %s" % kv for kv in result.node_states.items())))
  for node_id, outputs in result.outputs.items():
    for artifacts in outputs.values():
      for artifact in artifacts:
        if artifact.type == Model.TYPE_NAME:
          print("model of %s: %s" % (node_id, Model(artifact).serving_model_dir))
        for line in _verdict(node_id, artifact):
          print(line)
        for report in _reports(artifact.uri):
          print("report of %s: %s" % (node_id, _summary(report)))
  # A pipeline module may show what its outputs do, e.g. serve the pushed model.
  after_run = getattr(module, "after_run", None)
  if after_run is not None:
    after_run(**{k: v for k, v in kwargs.items()
                 if k in inspect.signature(after_run).parameters})
  return EXIT_OK


def _pipeline_args(values, accepted, offered):
  """--pipeline_arg NAME=VALUE pairs, checked against create_pipeline's signature."""
  kwargs = {}
  for value in values:
    name, sep, text = value.partition("=")
    if not sep or not name.isidentifier():
      raise app.UsageError("--pipeline_arg=%s: expected NAME=VALUE" % value)
    if name in offered:
      raise app.UsageError("--pipeline_arg=%s: give %s with --%s" % (value, name, name))
    if name not in accepted:
      raise app.UsageError("--pipeline_arg=%s: create_pipeline takes no argument %r (it "
                           "takes %s)" % (value, name, ", ".join(sorted(accepted))))
    try:
      parsed = json.loads(text)
    except ValueError:
      parsed = text
    default = accepted[name].default
    if default not in (inspect.Parameter.empty, None) and not _like(parsed, default):
      raise app.UsageError("--pipeline_arg=%s: %s takes a %s (its default is %s), got %r" % (
          value, name, type(default).__name__, json.dumps(default), parsed))
    kwargs[name] = parsed
  return kwargs


def _like(value, default):
  """Whether value has the type of a create_pipeline argument's default (an int will do for a
  float; for a bool only true or false)."""
  if isinstance(default, bool) or isinstance(value, bool):
    return isinstance(value, bool) and isinstance(default, bool)
  if isinstance(default, float):
    return isinstance(value, (int, float))
  return isinstance(value, type(default))


def _verdict(node_id, artifact):
  """What an evaluation, a blessing or a push decided, in a few lines."""
  properties = {k: from_value(v) for k, v in artifact.custom_properties.items()}
  properties.update({k: from_value(v) for k, v in artifact.properties.items()})
  if artifact.type == ModelEvaluation.TYPE_NAME and "summary" in properties:
    return ["evaluation of %s:" % node_id] + properties["summary"].splitlines()[1:]
  if artifact.type == ModelBlessing.TYPE_NAME:
    failed = json.loads(properties.get("failed_thresholds") or "[]")
    return ["blessing of %s: %s" % (node_id, "BLESSED" if properties.get("blessed") else
                                    "NOT BLESSED")] + ["  failed: %s" % f for f in failed]
  if artifact.type == InferenceResult.TYPE_NAME and properties.get("inferred"):
    return ["inference of %s: %d rows of %s at %s" % (
        node_id, properties.get("rows", 0), ", ".join(json.loads(properties["split_names"])),
        artifact.uri)]
  if artifact.type == InfraBlessing.TYPE_NAME:
    return ["infra blessing of %s: %s" % (node_id, "INFRA_BLESSED" if properties.get("blessed")
                                          else "INFRA_NOT_BLESSED: " + properties.get("reason",
                                                                                      "?"))]
  if artifact.type == PushedModel.TYPE_NAME:
    if properties.get("pushed"):
      return ["pushed by %s: version %s at %s" % (node_id, properties["pushed_version"],
                                                 properties["pushed_destination"])]
    return ["not pushed by %s: %s" % (node_id, properties.get("push_refused", "?"))]
  return []


def _reports(uri):
  """The HTML and text reports an artifact holds at its top level (TFX's hyperparameters
  file is data, not a report, whatever its suffix says)."""
  if not os.path.isdir(uri):
    return []
  return [os.path.join(uri, name) for name in sorted(os.listdir(uri))
          if name.endswith((".html", ".txt")) and name != HYPERPARAMETERS_FILE]


def _summary(report):
  """A one-line text report is shown with its path; other reports by their path."""
  if report.endswith(".txt"):
    with open(report, errors="replace") as f:
      lines = f.read(1000).strip().splitlines()
    if len(lines) == 1:
      return "%s (%s)" % (lines[0], report)
  return report


def run():
  app.run(main)


if __name__ == "__main__":
  run()
