"""LocalDagRunner: schedules a compiled pipeline's nodes on this machine, each through the
node launcher (`launch`), in threads or in a child process per node.

Nodes run in topological order, independent ones in parallel (at most max_parallel_nodes).
A failed node's downstream nodes are SKIPPED; independent ones still finish; running again
resumes (completed nodes hit the cache). The first Ctrl-C stops scheduling, marks the running
executions FAILED ("interrupted"), removes their staging folders and raises
PipelineInterrupted; published outputs are never touched.
"""

import concurrent.futures
import dataclasses
import logging
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import traceback

from tfx_core import metadata as md
from tfx_core.dsl import Pipeline, compile_pipeline
from tfx_core.dsl._beam_options import validate_beam_args
from tfx_core.orchestration import _launcher
from tfx_core.orchestration._cli import EXIT_FAILED, METADATA_URL_ENV
from tfx_core.orchestration._launcher import (Cancellation, LaunchResult, NodeState,
                                              RunContexts, fail_execution, launch, new_run_id,
                                              outputs_of, running_executions)

log = logging.getLogger("tfx_core.runner")

ISOLATIONS = ("thread", "process")
_POLL_SECONDS = 0.2
# How a launch process that exited 0 left its node, by its last execution's state.
_CHILD_STATES = {md.Execution.COMPLETE: NodeState.COMPLETE, md.Execution.CACHED: NodeState.CACHED,
                 md.Execution.CANCELED: NodeState.SKIPPED}
LAUNCH_MODULE = "tfx_core.orchestration.launch_main"


class PipelineRunError(RuntimeError):
  """Some nodes failed; `result` says which and how every node ended."""

  def __init__(self, result):
    failed = [n for n, s in result.node_states.items() if s == NodeState.FAILED]
    super().__init__("pipeline %s run %s failed at node(s) %s; fix and run again to resume "
                     "(completed nodes are cached)" % (result.pipeline_name, result.run_id,
                                                        ", ".join(failed)))
    self.result = result


class PipelineInterrupted(KeyboardInterrupt):
  """Ctrl-C: running executions were marked FAILED; `result` holds the nodes that finished."""

  def __init__(self, result):
    super().__init__("pipeline %s run %s interrupted; run it again to resume (completed nodes "
                     "are cached)" % (result.pipeline_name, result.run_id))
    self.result = result


@dataclasses.dataclass
class RunResult:
  pipeline_name: str
  run_id: str
  node_states: dict  # node id -> NodeState
  outputs: dict  # node id -> {output key: [metadata_pb2.Artifact]}
  seconds: float = 0.0


def default_metadata_url(pipeline_root):
  return "sqlite:///" + os.path.join(os.path.abspath(pipeline_root), "metadata.sqlite")


class LocalDagRunner:
  """Runs pipelines on this machine.

  metadata_url: the store (default: SQLite file metadata.sqlite under the pipeline root).
  enable_cache: the run's switch; None follows the pipeline's enable_cache.
  beam_pipeline_args: replaces the pipeline's when given (checked before any node runs).
  isolation: "thread" (default) runs nodes in this process; "process" runs each through
    `tfx-core-launch` in a child process, so a node that crashes, calls os._exit or runs out
    of memory fails alone, with the signal or exit status named.
  """

  def __init__(self, metadata_url=None, max_parallel_nodes=4, enable_cache=None,
               beam_pipeline_args=None, isolation="thread"):
    if max_parallel_nodes < 1:
      raise ValueError("max_parallel_nodes must be at least 1, got %d" % max_parallel_nodes)
    if isolation not in ISOLATIONS:
      raise ValueError("isolation must be one of %s, got %r" % (ISOLATIONS, isolation))
    self.metadata_url = metadata_url
    self.max_parallel_nodes = max_parallel_nodes
    self.enable_cache = enable_cache
    self.beam_pipeline_args = beam_pipeline_args
    self.isolation = isolation

  def run(self, pipeline, run_id=None):
    """Runs a Pipeline (or its compiled IR); returns a RunResult or raises PipelineRunError
    (a node failed) or PipelineInterrupted (Ctrl-C)."""
    url = self.metadata_url or (pipeline.metadata_url if isinstance(pipeline, Pipeline) else None)
    ir = compile_pipeline(pipeline) if isinstance(pipeline, Pipeline) else pipeline
    beam_args = list(ir.beam_pipeline_args if self.beam_pipeline_args is None
                     else self.beam_pipeline_args)
    validate_beam_args(beam_args)
    url = url or default_metadata_url(ir.pipeline_root)
    store = md.MetadataStore(url)
    try:
      return _Schedule(self, ir, store, beam_args, run_id or new_run_id()).execute()
    finally:
      store.close()


class _Schedule:
  """One run: the scheduling loop over launches."""

  def __init__(self, runner, ir, store, beam_args, run_id):
    self.ir, self.store, self.run_id = ir, store, run_id
    self.beam_args = beam_args
    self.cache = ir.enable_cache if runner.enable_cache is None else runner.enable_cache
    self.max_parallel = runner.max_parallel_nodes
    self.isolation = runner.isolation
    self.contexts = RunContexts.open(store, ir, run_id)
    self.cancel = Cancellation()
    self.children = {}  # node id -> Popen (process isolation)
    self.ir_file = None

  def execute(self):
    start = time.monotonic()
    nodes = {n.id: n for n in self.ir.nodes}
    states, outputs = {}, {}
    pending = [n.id for n in self.ir.nodes]
    log.info("pipeline %s: run %s of %d nodes (cache %s, up to %d in parallel, %s isolation), "
             "metadata %s", self.ir.name, self.run_id, len(nodes),
             "on" if self.cache else "off", self.max_parallel, self.isolation, self.store.url)
    if self.isolation == "process":
      with tempfile.NamedTemporaryFile("wb", suffix=".pb", delete=False) as f:
        f.write(self.ir.SerializeToString())
      self.ir_file = f.name
    pool = concurrent.futures.ThreadPoolExecutor(self.max_parallel)
    running = {}
    try:
      while pending or running:
        for node_id in list(pending):
          ups = nodes[node_id].upstream_nodes
          stopped = [u for u in ups if states.get(u) in (NodeState.FAILED, NodeState.SKIPPED)]
          if stopped:
            states[node_id] = NodeState.SKIPPED
            pending.remove(node_id)
            log.warning("[%s] skipped: upstream %s", node_id, ", ".join(
                "%s %s" % (u, states[u]) for u in stopped))
          elif all(states.get(u) in (NodeState.COMPLETE, NodeState.CACHED) for u in ups):
            pending.remove(node_id)
            running[pool.submit(self._launch, node_id)] = node_id
        if not running:
          continue
        # A timeout, so this thread returns to Python now and then: a Ctrl-C that the kernel
        # delivered to another thread (TensorFlow's, say) is only acted on here.
        done, _ = concurrent.futures.wait(running, timeout=_POLL_SECONDS,
                                          return_when=concurrent.futures.FIRST_COMPLETED)
        for future in done:
          node_id = running.pop(future)
          result = future.result()
          states[node_id], outputs[node_id] = result.state, result.outputs
          log.info("pipeline %s: %d/%d nodes finished", self.ir.name, len(states), len(nodes))
    except KeyboardInterrupt:
      previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Clean up without a 2nd one.
      try:
        self._interrupt(running.values())
      finally:
        signal.signal(signal.SIGINT, previous)
      for node_id in pending + list(running.values()):
        states.setdefault(node_id, NodeState.SKIPPED)
      pool.shutdown(wait=False, cancel_futures=True)
      raise PipelineInterrupted(RunResult(self.ir.name, self.run_id, states, outputs,
                                          time.monotonic() - start)) from None
    finally:
      if self.ir_file:
        os.unlink(self.ir_file)
    pool.shutdown()
    result = RunResult(self.ir.name, self.run_id, states, outputs, time.monotonic() - start)
    if NodeState.FAILED in states.values():
      raise PipelineRunError(result)
    log.info("pipeline %s: run %s finished in %.2f s: %s", self.ir.name, self.run_id,
             result.seconds, ", ".join("%s %s" % kv for kv in states.items()))
    return result

  def _interrupt(self, running_nodes):
    """Stops the run: no launch publishes from now on; children get SIGINT; every execution
    still RUNNING in this run is marked FAILED and its staging folder removed."""
    with self.cancel.lock:
      self.cancel.event.set()
    log.warning("pipeline %s: interrupted; stopping %s", self.ir.name,
                ", ".join(running_nodes) or "(nothing was running)")
    for child in list(self.children.values()):
      child.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 10
    for child in list(self.children.values()):
      try:
        child.wait(max(0.1, deadline - time.monotonic()))
      except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    for execution in running_executions(self.store, self.contexts.run.id):
      fail_execution(self.store, execution, "interrupted (Ctrl-C) while running; run the "
                     "pipeline again to resume")

  def _launch(self, node_id):
    if self.cancel.is_set():
      return LaunchResult(NodeState.SKIPPED, {})
    try:
      if self.isolation == "thread":
        return launch(self.ir, node_id, self.run_id, self.store, self.beam_args, self.cache,
                      self.cancel, self.contexts)
      return self._launch_process(node_id)
    except Exception:  # pylint: disable=broad-except  (the store itself, say: fail the node)
      log.error("[%s] FAILED in the runner:\n%s", node_id, traceback.format_exc())
      return LaunchResult(NodeState.FAILED, {}, 0, _launcher.last_line(traceback.format_exc()))

  def _launch_process(self, node_id):
    # The store as this process opened it (absolute), through the environment: a
    # PostgreSQL password must not show in every user's process list.
    env = dict(os.environ, **{METADATA_URL_ENV: self.store.url})
    command = [sys.executable, "-m", LAUNCH_MODULE, "--pipeline_ir=" + self.ir_file,
               "--node_id=" + node_id, "--run_id=" + self.run_id,
               "--beam_pipeline_args=" + shlex.join(self.beam_args),
               "--enable_cache" if self.cache else "--noenable_cache"]
    with self.cancel.lock:
      if self.cancel.is_set():
        return LaunchResult(NodeState.SKIPPED, {})
      # Its own process group: a terminal's Ctrl-C reaches the children through us, once.
      child = subprocess.Popen(command, start_new_session=True, env=env)
      self.children[node_id] = child
    status = child.wait()
    del self.children[node_id]
    return self._child_result(node_id, status)

  def _child_result(self, node_id, status):
    """The node's result from the store, once its launch process has ended with `status`."""
    mine = self.store.get_executions(context_id=self.contexts.run.id, name=node_id)
    last = mine[-1] if mine else None
    if status == 0 and last is not None and last.state in _CHILD_STATES:
      return LaunchResult(_CHILD_STATES[last.state], outputs_of(self.store, last.id), last.id)
    if status == EXIT_FAILED and last is not None and last.state == md.Execution.FAILED:
      reason = _launcher.last_line(last.custom_properties["error"].string_value)
    elif status < 0:
      try:
        name = signal.Signals(-status).name
      except ValueError:  # A real-time signal has no name.
        name = str(-status)
      reason = "its launch process was killed by signal %s%s" % (
          name, " (out of memory?)" if -status == signal.SIGKILL else "")
    else:
      reason = "its launch process exited with status %d" % status
    for execution in mine:
      if execution.state == md.Execution.RUNNING:
        fail_execution(self.store, execution, reason)
    if last is None:  # It died before recording anything: record the failure for it.
      node = next(n for n in self.ir.nodes if n.id == node_id)
      self.store.put_type(md.EXECUTION, node.component_type)
      execution = md.Execution(type=node.component_type, name=node_id, state=md.Execution.FAILED)
      for key, value in (("node_id", node_id), ("run_id", self.run_id), ("error", reason)):
        execution.custom_properties[key].string_value = value
      self.store.publish_execution(execution, contexts=[self.contexts.pipeline,
                                                        self.contexts.run])
    log.error("[%s] FAILED: %s", node_id, reason)
    return LaunchResult(NodeState.FAILED, {}, last.id if last else 0, reason)
