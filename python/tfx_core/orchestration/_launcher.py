"""The node launcher: everything one node of one run does, with the metadata store as the only
channel between nodes, so a thread, a child process, an Airflow task or a Kubeflow container
can run it alike.

    result = launch(ir, "Trainer", run_id, store)

Resolves the node's inputs from the store (the outputs upstream nodes published in this run,
an importer's files, a resolver's query), computes the cache key and reuses a previous
execution's outputs or runs the executor in a staging folder, then publishes the execution,
its outputs, events and context links in one transaction, or records FAILED with the
traceback. Executions left RUNNING by a process that no longer exists are marked FAILED
(abandoned) before the node runs again.
"""

import dataclasses
import enum
import hashlib
import importlib
import importlib.util
import json
import logging
import os
import shutil
import sys
import threading
import time
import traceback
import uuid

import tfx_core
from tfx_core import metadata as md
from tfx_core.dsl import OUTPUT_PROPERTY_PREFIX, ExecutorContext
from tfx_core.dsl._component import ExecutionCancelled
from tfx_core.dsl._values import from_ir_value, jsonable
from tfx_core.orchestration import _process
from tfx_core.orchestration._fingerprint import code_fingerprints, content_fingerprint
from tfx_core.proto import pipeline_pb2 as ppb
from tfx_core.types import STANDARD_TYPES, artifact_class

log = logging.getLogger("tfx_core.runner")

PIPELINE, PIPELINE_RUN, NODE = "pipeline", "pipeline_run", "node"
FINGERPRINT = "fingerprint"  # Custom property: content hash of a published artifact.
IMPORTED = "imported"  # Custom property: registered by an Importer, not written by a node.
STAGING = ".staging"  # <root>/<node>/.staging/<nonce>/<output key>
_OWNER, _STAGING_DIR = "owner", "staging_dir"  # Custom properties of a RUNNING execution.
DONE = (md.Execution.COMPLETE, md.Execution.CACHED)


class NodeState(enum.StrEnum):
  """How a node ended in a run."""
  COMPLETE = "COMPLETE"  # The executor ran and its outputs were published.
  CACHED = "CACHED"  # An earlier identical execution's outputs were reused.
  FAILED = "FAILED"
  SKIPPED = "SKIPPED"  # Not run: a Cond was false, an upstream node failed or was skipped,
                       # or the run was interrupted.


class MissingInputError(RuntimeError):
  """An upstream node has not published its outputs in this run (the launcher's exit 2)."""


class _Skip(Exception):
  """The node does not run in this run: a condition is false, or an upstream node was skipped."""


@dataclasses.dataclass
class LaunchResult:
  state: NodeState
  outputs: dict  # output key -> [metadata_pb2.Artifact]
  execution_id: int = 0
  reason: str = ""  # One line: why it failed, or where its outputs came from.


class Cancellation:
  """Shared by a run's launches: once set, no launch publishes outputs. The lock makes
  "publish" and "cancel, then mark the running executions FAILED" exclusive."""

  def __init__(self):
    self.event = threading.Event()
    self.lock = threading.Lock()

  def is_set(self):
    return self.event.is_set()


@dataclasses.dataclass
class RunContexts:
  """A run's contexts in the store, and the newest artifact id when it started (resolvers
  never see artifacts that sibling nodes of the same run publish meanwhile)."""
  pipeline: object
  run: object
  resolver_horizon: int

  @classmethod
  def open(cls, store, ir, run_id):
    store.get_types(md.ARTIFACT)  # One read warms the cache; put_type then writes only news.
    for type_name in set(STANDARD_TYPES) | {o.artifact_type for n in ir.nodes
                                            for o in n.outputs.values()}:
      store.put_type(md.ARTIFACT, type_name, artifact_class(type_name).PROPERTIES)
    pipeline = store.get_or_create_context(PIPELINE, ir.name)
    fail_abandoned(store, pipeline.id, run_id)
    name = run_context_name(ir.name, run_id)
    run = store.get_context(PIPELINE_RUN, name)
    if run is None or "resolver_horizon" not in run.custom_properties:
      newest = store.get_artifacts(newest_first=True, limit=1)
      run = store.get_or_create_context(PIPELINE_RUN, name, {
          "pipeline": ir.name, "run_id": run_id,
          "resolver_horizon": newest[0].id if newest else 0})
    return cls(pipeline, run, run.custom_properties["resolver_horizon"].int_value)


def run_context_name(pipeline_name, run_id):
  return pipeline_name + "." + run_id


def new_run_id():
  return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]


def launch(ir, node_id, run_id, store, beam_pipeline_args=None, enable_cache=None,
           cancel=None, contexts=None):
  """Runs node `node_id` of pipeline IR `ir` as part of run `run_id`; returns a LaunchResult.

  beam_pipeline_args / enable_cache: the run's (None: the IR's). cancel: a Cancellation
  shared with the scheduler. contexts: the run's RunContexts, if the caller has them.
  Raises MissingInputError if an upstream node has no published outputs in this run, and
  KeyboardInterrupt (after recording the execution FAILED) when interrupted.
  """
  nodes = {n.id: n for n in ir.nodes}
  if node_id not in nodes:
    raise ValueError("pipeline %s has no node %r (it has: %s)" % (
        ir.name, node_id, ", ".join(nodes)))
  contexts = contexts or RunContexts.open(store, ir, run_id)
  return _Launch(ir, nodes[node_id], run_id, store, contexts, beam_pipeline_args,
                 enable_cache, cancel or Cancellation()).run()


def fail_execution(store, execution, reason):
  """Marks an execution FAILED with `reason` and removes its staging folder, if it is still
  RUNNING when the store is asked (one that completed meanwhile is left as it is)."""
  if not store.fail_if_running(execution.id, reason):
    return False
  staging = execution.custom_properties[_STAGING_DIR].string_value
  if staging:
    shutil.rmtree(staging, ignore_errors=True)
  return True


def running_executions(store, context_id):
  return store.get_executions(context_id=context_id, state=md.Execution.RUNNING)


def fail_abandoned(store, context_id, run_id):
  """Marks FAILED the executions of a context left RUNNING by processes that are gone."""
  for execution in running_executions(store, context_id):
    owner = execution.custom_properties[_OWNER].string_value
    if _process.is_gone(owner):
      reason = ("abandoned: the process that ran it (%s) no longer exists (killed or "
                "interrupted); marked FAILED by run %s" % (owner, run_id))
      if fail_execution(store, execution, reason):
        log.warning("[%s] execution %d was left RUNNING by a process that no longer exists; "
                    "marked FAILED", execution.name, execution.id)


class _Launch:
  """One launch of one node."""

  def __init__(self, ir, node, run_id, store, contexts, beam_args, enable_cache, cancel):
    self.ir, self.node, self.run_id, self.store = ir, node, run_id, store
    self.root = os.path.abspath(ir.pipeline_root)
    self.beam_args = list(ir.beam_pipeline_args if beam_args is None else beam_args)
    self.cache = ir.enable_cache if enable_cache is None else enable_cache
    self.cancel = cancel
    self.run_contexts = contexts
    self.node_ctx = None
    self.upstream_done, self.upstream_outputs = {}, {}

  def run(self):
    node = self.node
    contexts = [self.run_contexts.pipeline, self.run_contexts.run]
    try:
      self.node_ctx = self.store.get_or_create_context(NODE, self.ir.name + "." + node.id)
      contexts.append(self.node_ctx)
      inputs = self._resolve_inputs()
      self._check_conditions()
      if node.kind == ppb.Node.IMPORTER:
        return self._import(contexts)
      if node.kind == ppb.Node.RESOLVER:
        return self._resolve(contexts)
      return self._run_component(inputs, contexts)
    except MissingInputError:
      raise
    except _Skip as skip:
      execution_id, _ = self.store.publish_execution(
          self._execution(md.Execution.CANCELED, skipped=str(skip)), contexts=contexts)
      log.info("[%s] skipped: %s", node.id, skip)
      return LaunchResult(NodeState.SKIPPED, {}, execution_id, str(skip))
    except Exception:  # pylint: disable=broad-except
      error = traceback.format_exc()
      log.error("[%s] FAILED before its executor ran:\n%s", node.id, error)
      try:
        execution_id, _ = self.store.publish_execution(
            self._execution(md.Execution.FAILED, error=error), contexts=contexts)
      except Exception:  # pylint: disable=broad-except  (the store itself may be the problem)
        log.error("[%s] could not record the failure:\n%s", node.id, traceback.format_exc())
        execution_id = 0
      return LaunchResult(NodeState.FAILED, {}, execution_id, last_line(error))

  # ---------------------------------------------------------------- inputs

  def _resolve_inputs(self):
    node = self.node
    wanted = set(node.upstream_nodes) | {s.producer_node_id for s in node.inputs.values()
                                         if s.producer_node_id}
    latest = {}
    if wanted:
      for execution in self.store.get_executions(context_id=self.run_contexts.run.id,
                                                 name=sorted(wanted),
                                                 state=list(DONE) + [md.Execution.CANCELED]):
        latest[execution.name] = execution  # Ascending ids: the newest wins.
    skipped = sorted(n for n, e in latest.items() if e.state == md.Execution.CANCELED)
    if skipped:
      raise _Skip("upstream node(s) %s skipped in this run" % ", ".join(skipped))
    done = {n: e.id for n, e in latest.items() if e.state in DONE}
    missing = sorted(wanted - set(done))
    if missing:
      raise MissingInputError("node %s: upstream node(s) %s have published no outputs in run "
                              "%s; run them first" % (node.id, ", ".join(missing), self.run_id))
    self.upstream_done = done
    inputs = {}
    for key, spec in node.inputs.items():
      if spec.producer_node_id:
        inputs[key] = list(self._upstream_outputs(spec.producer_node_id).get(
            spec.producer_output_key, []))
      else:
        inputs[key] = []  # Filled by the Resolver itself.
      if not inputs[key] and not spec.optional and node.kind == ppb.Node.COMPONENT:
        raise ValueError("[%s] input %r resolved to no %s artifacts" % (
            node.id, key, spec.artifact_type))
    return inputs

  def _upstream_outputs(self, producer):
    if producer not in self.upstream_outputs:
      self.upstream_outputs[producer] = outputs_of(self.store, self.upstream_done[producer])
    return self.upstream_outputs[producer]

  def _check_conditions(self):
    for condition in self.node.conditions:
      if not self._holds(condition):
        raise _Skip("condition %s is false" % _describe(condition))

  def _holds(self, predicate):
    if predicate.WhichOneof("kind") == "logical":
      logical = predicate.logical
      results = [self._holds(p) for p in logical.operands]
      return {ppb.Logical.AND: all, ppb.Logical.OR: any}.get(
          logical.op, lambda r: not r[0])(results)
    comparison = predicate.comparison
    left, right = self._artifact_value(comparison.left), from_ir_value(comparison.right)
    try:
      return _COMPARE[comparison.op](left, right)
    except TypeError:
      raise ValueError("[%s] condition %s: cannot compare %r with %r" % (
          self.node.id, _describe(predicate), left, right)) from None

  def _artifact_value(self, ref):
    artifacts = self._upstream_outputs(ref.producer_node_id).get(ref.output_key, [])
    if ref.index >= len(artifacts):
      raise ValueError("[%s] condition reads artifact %d of %s.outputs[%r], which has %d" % (
          self.node.id, ref.index, ref.producer_node_id, ref.output_key, len(artifacts)))
    record = artifacts[ref.index]
    field = ref.WhichOneof("field")
    if field == "uri":
      return record.uri
    if field == "value":
      return artifact_class(record.type)(record).value
    values = record.properties if field == "property" else record.custom_properties
    name = getattr(ref, field)
    return md.from_value(values[name]) if name in values else None

  def _execution(self, state, **custom):
    self.store.put_type(md.EXECUTION, self.node.component_type)
    execution = md.Execution(type=self.node.component_type, name=self.node.id, state=state)
    custom.update(node_id=self.node.id, run_id=self.run_id)
    for key, value in custom.items():
      execution.custom_properties[key].CopyFrom(md.to_value(value))
    return execution

  # ---------------------------------------------------------------- importer, resolver

  def _import(self, contexts):
    node, config = self.node, self.node.importer
    type_name = node.outputs["result"].artifact_type
    if not os.path.exists(config.source_uri):
      raise FileNotFoundError("[%s] source_uri %s does not exist" % (node.id, config.source_uri))
    fingerprint = content_fingerprint(config.source_uri)
    output = md.Event(type=md.Event.OUTPUT, key="result")
    artifact = md.Artifact(type=type_name, uri=config.source_uri, state=md.Artifact.LIVE)
    for key, value in config.properties.items():
      target = (artifact.properties if key in artifact_class(type_name).PROPERTIES
                else artifact.custom_properties)
      target[key].CopyFrom(md.to_value(from_ir_value(value)))
    artifact.custom_properties[FINGERPRINT].string_value = fingerprint
    artifact.custom_properties[IMPORTED].int_value = 1  # Retention never deletes user files.
    if not config.reimport:
      for known in self.store.get_artifacts(type_name=type_name, uri=config.source_uri,
                                            state=md.Artifact.LIVE, newest_first=True):
        if (known.properties == artifact.properties and
            known.custom_properties == artifact.custom_properties):  # Same files, same properties.
          execution_id, _ = self.store.publish_execution(
              self._execution(md.Execution.CACHED), [(known, output)], contexts)
          log.info("[%s] reusing imported %s %d (%s)", node.id, type_name, known.id,
                   config.source_uri)
          return LaunchResult(NodeState.CACHED, {"result": [known]}, execution_id,
                              "imported before, unchanged")
    execution_id, _ = self.store.publish_execution(self._execution(md.Execution.COMPLETE),
                                                   [(artifact, output)], contexts)
    log.info("[%s] imported %s %d from %s", node.id, type_name, artifact.id, config.source_uri)
    return LaunchResult(NodeState.COMPLETE, {"result": [artifact]}, execution_id)

  def _resolve(self, contexts):
    node, horizon = self.node, self.run_contexts.resolver_horizon

    def live(**filters):
      found = self.store.get_artifacts(state=md.Artifact.LIVE,
                                       context_id=self.run_contexts.pipeline.id,
                                       newest_first=True, **filters)
      return [a for a in found if a.id <= horizon]

    resolved = {key: [] for key in node.inputs}
    if node.resolver.strategy == ppb.ResolverConfig.LATEST_BLESSED_MODEL:
      for blessing in live(type_name="ModelBlessing", properties={"blessed": 1}):
        model_id = blessing.properties["current_model_id"].int_value
        models = self.store.get_artifacts(ids=[model_id], state=md.Artifact.LIVE)
        if models:
          resolved.update(model=models, model_blessing=[blessing])
          break
    else:
      for key, spec in node.inputs.items():
        resolved[key] = live(type_name=spec.artifact_type)[:1]
    execution_id, _ = self.store.publish_execution(
        self._execution(md.Execution.COMPLETE), _events(resolved, md.Event.OUTPUT), contexts)
    log.info("[%s] resolved %s", node.id, {k: [a.id for a in v] for k, v in resolved.items()})
    return LaunchResult(NodeState.COMPLETE, resolved, execution_id)

  # ---------------------------------------------------------------- components

  def _run_component(self, inputs, contexts):
    node = self.node
    component_class = load_component_class(node.executor)
    params = {k: from_ir_value(v) for k, v in node.parameters.items()}
    parts = self._cache_parts(component_class, params, inputs)
    cache_key = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    if self.cache and node.execution_options.enable_cache:
      hit = self._cache_lookup(cache_key, parts)
      if hit is not None:
        previous, outs = hit
        execution = self._execution(md.Execution.CACHED, cache_key=cache_key,
                                    cached_from=previous.id)
        execution_id, _ = self.store.publish_execution(
            execution, _events(inputs, md.Event.INPUT) + _events(outs, md.Event.OUTPUT),
            contexts)
        reason = "reusing the outputs of execution %d (run %s)" % (
            previous.id, previous.custom_properties["run_id"].string_value)
        log.info("[%s] cache hit: %s", node.id, reason)
        return LaunchResult(NodeState.CACHED, outs, execution_id, reason)
    else:
      log.info("[%s] cache disabled (%s)", node.id,
               "this node" if self.cache else "this run / pipeline")
    options = node.execution_options
    for attempt in range(options.max_retries + 1):
      if self.cancel.is_set():
        raise ExecutionCancelled("node %s: the run was interrupted" % node.id)
      result = self._attempt(component_class, inputs, params, contexts, cache_key, parts,
                             attempt)
      if result.state == NodeState.COMPLETE or self.cancel.is_set():
        return result
      if attempt < options.max_retries:
        wait = options.retry_backoff_seconds * 2 ** attempt
        log.warning("[%s] attempt %d/%d failed; retrying in %.1f s", node.id, attempt + 1,
                    options.max_retries + 1, wait)
        self.cancel.event.wait(wait)
    return result

  def _cache_parts(self, component_class, params, inputs):
    return {
        "component": "%s@%s" % (self.node.component_type, self.node.component_version),
        "tfx_core": tfx_core.__version__,
        "parameters": jsonable(params),
        "inputs": {key: [a.custom_properties[FINGERPRINT].string_value
                         if FINGERPRINT in a.custom_properties else content_fingerprint(a.uri)
                         for a in artifacts]
                   for key, artifacts in sorted(inputs.items())},
        "code": code_fingerprints(component_class.module_files(params)),
        "external": {path: content_fingerprint(path)
                     for path in component_class.external_inputs(params)},
    }

  def _cache_lookup(self, cache_key, parts):
    gone = None
    for previous in self.store.get_executions(context_id=self.node_ctx.id,
                                              properties={"cache_key": cache_key},
                                              state=md.Execution.COMPLETE, newest_first=True):
      outs = outputs_of(self.store, previous.id)
      missing = [a for artifacts in outs.values() for a in artifacts
                 if a.state != md.Artifact.LIVE or not os.path.exists(a.uri)]
      if not missing:
        return previous, outs
      gone = gone or "the outputs of identical execution %d are gone (%s)" % (
          previous.id, missing[0].uri if os.path.isabs(missing[0].uri) else missing[0].id)
    if gone is None:
      last = self.store.get_executions(context_id=self.node_ctx.id,
                                       state=md.Execution.COMPLETE, newest_first=True, limit=1)
      gone = miss_reason(last[0] if last else None, parts)
    log.info("[%s] cache miss: %s", self.node.id, gone)
    return None

  def _attempt(self, component_class, inputs, params, contexts, cache_key, parts, attempt):
    node = self.node
    # Named by a nonce, not the execution id: ids restart with a new metadata store over an
    # old root, and a folder left by a killed run must never be reused.
    staging = os.path.join(self.root, node.id, STAGING, uuid.uuid4().hex)
    execution = self._execution(md.Execution.RUNNING, cache_key=cache_key,
                                cache_parts=json.dumps(parts, sort_keys=True), attempt=attempt,
                                **{_OWNER: _process.this_process(), _STAGING_DIR: staging})
    execution_id, _ = self.store.publish_execution(
        execution, _events(inputs, md.Event.INPUT), contexts)
    execution.id = execution_id
    moved, committed = [], False
    log.info("[%s] running execution %d%s", node.id, execution_id,
             " (attempt %d)" % (attempt + 1) if attempt else "")
    started = time.monotonic()
    try:
      output_dict = {}
      for key, spec in node.outputs.items():
        artifact = artifact_class(spec.artifact_type)()
        artifact.uri = os.path.join(staging, key)
        os.makedirs(artifact.uri)
        output_dict[key] = [artifact]
      context = ExecutorContext(self.beam_args, self.ir.name, self.run_id, node.id,
                                execution_id, tmp_dir=os.path.join(staging, ".tmp"),
                                node_dir=os.path.join(self.root, node.id),
                                cancelled=self.cancel.event)
      os.makedirs(context.tmp_dir)
      # Copies: sibling threads read the same input records.
      input_dict = {k: [artifact_class(a.type)(md.Artifact.FromString(a.SerializeToString()))
                        for a in v] for k, v in inputs.items()}
      executor = component_class.EXECUTOR_CLASS(context)
      returned = executor.Do(input_dict, output_dict, params) or {}
      for name, value in returned.items():
        execution.custom_properties[OUTPUT_PROPERTY_PREFIX + name].CopyFrom(md.to_value(value))
      context.raise_if_cancelled()
      published = {}
      for key, artifacts in output_dict.items():
        final = _final_uri(os.path.join(self.root, node.id, key), execution_id)
        os.rename(artifacts[0].uri, final)  # Atomic on one filesystem.
        moved.append(final)
        record = artifacts[0].record
        record.uri, record.state = final, md.Artifact.LIVE
        record.custom_properties[FINGERPRINT].string_value = content_fingerprint(final)
        published[key] = [record]
      execution.state = md.Execution.COMPLETE
      del execution.custom_properties[_STAGING_DIR]
      with self.cancel.lock:  # Only the check and the commit: an interrupt never waits long.
        context.raise_if_cancelled()
        self.store.publish_execution(execution, _events(published, md.Event.OUTPUT),
                                     contexts)
        committed = True
      log.info("[%s] complete in %.2f s", node.id, time.monotonic() - started)
      return LaunchResult(NodeState.COMPLETE, published, execution_id)
    except BaseException as e:  # pylint: disable=broad-except  (user code: record whatever it raised)
      if committed:
        raise  # Interrupted after the commit: what was published stays published.
      interrupted = isinstance(e, (KeyboardInterrupt, ExecutionCancelled))
      error = ("interrupted (Ctrl-C) while running; run the pipeline again to resume"
               if interrupted else traceback.format_exc())
      if not interrupted:
        log.error("[%s] execution %d FAILED:\n%s", node.id, execution_id, error)
      for folder in moved:  # Never published, so nothing refers to them.
        shutil.rmtree(folder, ignore_errors=True)
      failed = self._execution(md.Execution.FAILED, cache_key=cache_key, attempt=attempt,
                               error=error)
      failed.id = execution_id
      self.store.put_executions([failed])
      if interrupted:
        raise
      return LaunchResult(NodeState.FAILED, {}, execution_id, last_line(error))
    finally:
      shutil.rmtree(staging, ignore_errors=True)


_COMPARE = {
    ppb.Comparison.EQUAL: lambda a, b: a == b,
    ppb.Comparison.NOT_EQUAL: lambda a, b: a != b,
    ppb.Comparison.LESS: lambda a, b: a < b,
    ppb.Comparison.LESS_EQUAL: lambda a, b: a <= b,
    ppb.Comparison.GREATER: lambda a, b: a > b,
    ppb.Comparison.GREATER_EQUAL: lambda a, b: a >= b,
}
_SYMBOLS = {ppb.Comparison.EQUAL: "==", ppb.Comparison.NOT_EQUAL: "!=",
            ppb.Comparison.LESS: "<", ppb.Comparison.LESS_EQUAL: "<=",
            ppb.Comparison.GREATER: ">", ppb.Comparison.GREATER_EQUAL: ">="}


def _describe(predicate):
  """A predicate as people write it: Evaluator.outputs['blessing'][0].custom_property('blessed')
  == 1."""
  if predicate.WhichOneof("kind") == "logical":
    logical = predicate.logical
    parts = [_describe(p) for p in logical.operands]
    if logical.op == ppb.Logical.NOT:
      return "not (%s)" % parts[0]
    return "(%s)" % (" and " if logical.op == ppb.Logical.AND else " or ").join(parts)
  comparison = predicate.comparison
  ref = comparison.left
  field = ref.WhichOneof("field")
  what = "." + field if field in ("uri", "value") else ".%s(%r)" % (field, getattr(ref, field))
  return "%s.outputs[%r][%d]%s %s %r" % (ref.producer_node_id, ref.output_key, ref.index, what,
                                         _SYMBOLS[comparison.op],
                                         from_ir_value(comparison.right))


def _final_uri(output_dir, execution_id):
  """<output_dir>/<execution id>, or <id>.<n> if a folder of that name survives from an
  earlier metadata store (never overwritten: it is somebody's data)."""
  os.makedirs(output_dir, exist_ok=True)
  final, n = os.path.join(output_dir, str(execution_id)), 0
  while os.path.exists(final):
    n += 1
    final = os.path.join(output_dir, "%d.%d" % (execution_id, n))
  return final


def _events(artifacts_by_key, event_type):
  return [(artifact, md.Event(type=event_type, key=key, index=i))
          for key, artifacts in artifacts_by_key.items() for i, artifact in enumerate(artifacts)]


def outputs_of(store, execution_id):
  """{output key: [artifact records]} an execution published, in event order."""
  events = store.get_events(execution_ids=[execution_id], event_type=md.Event.OUTPUT)
  by_id = {a.id: a for a in store.get_artifacts(ids=[e.artifact_id for e in events])}
  outs = {}
  for event in sorted(events, key=lambda e: (e.key, e.index)):
    outs.setdefault(event.key, []).append(by_id[event.artifact_id])
  return outs


def last_line(error):
  lines = [line for line in error.strip().splitlines() if line.strip()]
  return lines[-1].strip() if lines else "failed"


def miss_reason(last, parts):
  """What differs between the node's last completed execution and this one's cache parts."""
  if last is None:
    return "no earlier completed execution of this node"
  before = json.loads(last.custom_properties["cache_parts"].string_value or "{}")
  changed = []
  for key in ("component", "tfx_core"):
    if before.get(key) != parts[key]:
      changed.append("%s %s -> %s" % (key, before.get(key), parts[key]))
  for part, what in (("parameters", "parameter %r"), ("inputs", "input %r"),
                     ("code", "code %s"), ("external", "input file %s")):
    old, new = before.get(part, {}), parts[part]
    for name in sorted(set(old) | set(new)):
      if old.get(name) != new.get(name):
        label = what % (name,)
        changed.append(label + (" added" if name not in old else
                                " removed" if name not in new else " changed"))
  return "; ".join(changed) or ("same inputs, parameters and code as execution %d, but "
                                "its cache key differs (written by another version?)" % last.id)


def load_component_class(code):
  """The component class at code.import_path ("module:Qual.Name"), importing the module, or
  loading code.source_file under that module name when it is not importable. A pipeline
  script run as `python my_pipeline.py` is `__main__` already: it is used as it is, never
  executed a second time."""
  module_name, qualname = code.import_path.split(":")
  with _LOAD_LOCK:  # Parallel nodes must not see a module that is still executing.
    module = _load_module(module_name, code.source_file)
  target = module
  for part in qualname.split("."):
    target = getattr(target, part)
  return target


_LOAD_LOCK = threading.Lock()


def _load_module(module_name, source_file):
  module = sys.modules.get(module_name)
  if module is not None:
    return module
  main = sys.modules.get("__main__")
  main_file = getattr(main, "__file__", None)
  if source_file and main_file and os.path.abspath(main_file) == os.path.abspath(source_file):
    return main
  try:
    return importlib.import_module(module_name)
  except ImportError:
    if not os.path.isfile(source_file):
      raise
    # As when the file ran as a script: its folder comes first, for its own local imports.
    folder = os.path.dirname(os.path.abspath(source_file))
    if folder not in sys.path:
      sys.path.insert(0, folder)
    return load_source_file(module_name, source_file)


def load_source_file(module_name, path):
  """Executes the Python file at `path` as module `module_name` (registered in sys.modules)."""
  spec = importlib.util.spec_from_file_location(module_name, path)
  module = importlib.util.module_from_spec(spec)
  sys.modules[module_name] = module
  try:
    spec.loader.exec_module(module)
  except BaseException:
    del sys.modules[module_name]
    raise
  return module
