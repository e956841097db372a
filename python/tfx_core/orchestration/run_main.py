"""Runs a pipeline: loads a module that defines create_pipeline(...) and runs it locally.

  tfx-core-run --pipeline_module=my_pipeline.py --pipeline_root=/tmp/root --data_root=data/
  bazel run //python:run_pipeline -- --pipeline_module=... (same flags)

create_pipeline receives whichever of pipeline_root, data_root, beam_pipeline_args,
metadata_url and enable_cache it declares. Exit status 1 if a node failed (running again
resumes: completed nodes hit the cache).
"""

import importlib
import inspect
import logging
import os
import shlex
import sys

from absl import app, flags

from tfx_core.orchestration._runner import load_source_file

flags.DEFINE_string("pipeline_module", None,
                    "The pipeline: a .py file path or an importable module name; it must "
                    "define create_pipeline(...).")
flags.DEFINE_string("pipeline_root", None, "Folder for the pipeline's outputs (and, by default, "
                    "its SQLite metadata store).")
flags.DEFINE_string("data_root", None, "Folder of input data, passed to create_pipeline.")
flags.DEFINE_string("metadata_url", None,
                    "Metadata store: sqlite:///path, postgresql://user@host:port/db or a file "
                    "path. Default: <pipeline_root>/metadata.sqlite.")
flags.DEFINE_enum("runner", "local", ["local"], "Orchestrator. Airflow and Kubeflow consume "
                  "the same pipeline IR through their exporters.")
flags.DEFINE_multi_string("beam_pipeline_args", [],
                          "Beam options for every Beam-using executor, e.g. "
                          "--beam_pipeline_args='--direct_num_workers=2 "
                          "--direct_running_mode=multi_processing'. Repeatable. Default: "
                          "DirectRunner.")
flags.DEFINE_bool("enable_cache", None, "Reuse outputs of earlier identical executions "
                  "(default: as the pipeline says; --enable_cache / --noenable_cache override).")
flags.DEFINE_integer("max_parallel_nodes", 4, "Nodes run at the same time, at most.",
                     lower_bound=1)
flags.mark_flags_as_required(["pipeline_module", "pipeline_root"])

FLAGS = flags.FLAGS


def load_module(name_or_path):
  """Imports a module by dotted name, or from a .py file path (its folder joins sys.path so
  that the module's own local imports work)."""
  if name_or_path.endswith(".py") or os.sep in name_or_path:
    path = os.path.abspath(name_or_path)
    if not os.path.isfile(path):
      raise app.UsageError("--pipeline_module: no such file %s" % path)
    sys.path.insert(0, os.path.dirname(path))
    return load_source_file(os.path.splitext(os.path.basename(path))[0], path)
  return importlib.import_module(name_or_path)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError("unexpected arguments: %s" % " ".join(argv[1:]))
  logging.getLogger("tfx_core").setLevel(logging.INFO)
  from tfx_core.orchestration import LocalDagRunner, PipelineRunError  # pylint: disable=import-outside-toplevel
  module = load_module(FLAGS.pipeline_module)
  create = getattr(module, "create_pipeline", None)
  if create is None:
    raise app.UsageError("%s defines no create_pipeline(...)" % FLAGS.pipeline_module)
  beam_args = [a for value in FLAGS.beam_pipeline_args for a in shlex.split(value)]
  offered = dict(pipeline_root=FLAGS.pipeline_root, data_root=FLAGS.data_root,
                 beam_pipeline_args=beam_args, metadata_url=FLAGS.metadata_url,
                 enable_cache=FLAGS.enable_cache)
  accepted = inspect.signature(create).parameters
  pipeline = create(**{k: v for k, v in offered.items() if k in accepted and v is not None})
  runner = LocalDagRunner(metadata_url=FLAGS.metadata_url,
                          max_parallel_nodes=FLAGS.max_parallel_nodes,
                          enable_cache=FLAGS.enable_cache, beam_pipeline_args=beam_args)
  try:
    result = runner.run(pipeline)
  except PipelineRunError as e:
    logging.error("%s", e)
    return 1
  print("run %s of pipeline %s: %s" % (result.run_id, result.pipeline_name, ", ".join(
      "%s %s" % kv for kv in result.node_states.items())))
  for node_id, outputs in result.outputs.items():
    for artifacts in outputs.values():
      for artifact in artifacts:
        for report in _reports(artifact.uri):
          print("report of %s: %s" % (node_id, report))
  return 0


def _reports(uri):
  """The HTML and text reports an artifact holds at its top level."""
  if not os.path.isdir(uri):
    return []
  return [os.path.join(uri, name) for name in sorted(os.listdir(uri))
          if name.endswith((".html", ".txt"))]


def run():
  app.run(main)


if __name__ == "__main__":
  run()
