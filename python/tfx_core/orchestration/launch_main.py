"""Runs one node of a pipeline run in this process: what an Airflow task or a Kubeflow
container runs, and what LocalDagRunner(isolation="process") runs per node.

  tfx-core-launch --pipeline_ir=pipeline.pb --node_id=Trainer --run_id=20261201-120000-ab12cd
  bazel run //python:launch -- (same flags)

The IR is a serialized tfx_core.pipeline.Pipeline (binary, or text format for a .pbtxt file).
Exit status: 0 when the node is COMPLETE, CACHED or SKIPPED (a dsl.Cond was false, or an
upstream node was skipped), 1 when it FAILED, 2 when an upstream node
has not published its outputs in this run (or a flag is wrong), 130 when interrupted; each
with a one-line reason on stderr.
"""

import os
import shlex
import sys

from absl import app, flags

from tfx_core.orchestration._cli import (EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE,
                                         METADATA_URL_ENV, setup_logging, user_path)

flags.DEFINE_string("pipeline_ir", None, "The compiled pipeline (tfx_core.pipeline.Pipeline), "
                    "binary or .pbtxt.")
flags.DEFINE_string("node_id", None, "The node to run.")
flags.DEFINE_string("run_id", None, "The run this execution belongs to (every node of one run "
                    "gets the same id).")
flags.DEFINE_string("metadata_url", None, "Metadata store: sqlite:///path or "
                    "postgresql://user@host:port/db. Default: $TFX_CORE_METADATA_URL, else "
                    "<pipeline_root>/metadata.sqlite.")
flags.DEFINE_multi_string("beam_pipeline_args", None, "Beam options (default: the IR's).")
flags.DEFINE_bool("enable_cache", None, "Reuse an identical earlier execution's outputs "
                  "(default: as the IR says).")
flags.mark_flags_as_required(["pipeline_ir", "node_id", "run_id"])

FLAGS = flags.FLAGS


def _say(message):
  print("tfx-core-launch: " + message, file=sys.stderr, flush=True)


def read_ir(path):
  from google.protobuf import text_format  # pylint: disable=import-outside-toplevel
  from tfx_core.proto import pipeline_pb2  # pylint: disable=import-outside-toplevel
  with open(path, "rb") as f:
    data = f.read()
  ir = pipeline_pb2.Pipeline()
  if path.endswith((".pbtxt", ".textproto")):
    text_format.Parse(data.decode(), ir)
  else:
    ir.ParseFromString(data)
  return ir


def main(argv):
  if len(argv) > 1:
    raise app.UsageError("unexpected arguments: %s" % " ".join(argv[1:]))
  setup_logging()
  from tfx_core import metadata as md  # pylint: disable=import-outside-toplevel
  from tfx_core.dsl._beam_options import validate_beam_args  # pylint: disable=import-outside-toplevel
  from tfx_core.orchestration import _launcher, _runner  # pylint: disable=import-outside-toplevel
  path = user_path(FLAGS.pipeline_ir)
  try:
    ir = read_ir(path)
  except (OSError, ValueError) as e:
    _say("cannot read --pipeline_ir %s: %s" % (path, e))
    return EXIT_USAGE
  beam_args = None
  if FLAGS.beam_pipeline_args is not None:
    beam_args = [a for value in FLAGS.beam_pipeline_args for a in shlex.split(value)]
    try:
      validate_beam_args(beam_args)
    except ValueError as e:
      _say(str(e))
      return EXIT_USAGE
  url = (user_path(FLAGS.metadata_url) or os.environ.get(METADATA_URL_ENV) or
         _runner.default_metadata_url(ir.pipeline_root))
  try:
    store = md.MetadataStore(url)
  except md.MetadataStoreError as e:
    _say(str(e))
    return EXIT_USAGE
  if FLAGS.node_id not in {n.id for n in ir.nodes}:
    _say("pipeline %s has no node %r (it has: %s)" % (ir.name, FLAGS.node_id,
                                                     ", ".join(n.id for n in ir.nodes)))
    return EXIT_USAGE
  try:
    result = _launcher.launch(ir, FLAGS.node_id, FLAGS.run_id, store, beam_args,
                              FLAGS.enable_cache)
  except _launcher.MissingInputError as e:
    _say(str(e))
    return EXIT_USAGE
  except KeyboardInterrupt:
    _say("node %s interrupted; its execution is marked FAILED" % FLAGS.node_id)
    return EXIT_INTERRUPTED
  finally:
    store.close()
  _say("node %s %s (execution %d)%s" % (FLAGS.node_id, result.state, result.execution_id,
                                        ": " + result.reason if result.reason else ""))
  return EXIT_FAILED if result.state == _launcher.NodeState.FAILED else EXIT_OK


def run():
  app.run(main)


if __name__ == "__main__":
  run()
