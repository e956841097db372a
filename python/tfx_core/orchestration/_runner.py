"""LocalDagRunner: runs a compiled pipeline on this machine, recording everything in metadata.

Nodes run in topological order, independent ones in parallel threads (at most
max_parallel_nodes). A component's outputs are written to a staging folder and moved to their
final uris (<pipeline_root>/<node>/<output>/<execution id>) only when its executor returns;
the execution, its output artifacts, events and context links are then published in one
transaction. A failed node is marked FAILED with its traceback; what was already published
stays, so running the pipeline again resumes: completed nodes hit the cache.
"""

import concurrent.futures
import dataclasses
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
from tfx_core.dsl import OUTPUT_PROPERTY_PREFIX, ExecutorContext, Pipeline, compile_pipeline
from tfx_core.orchestration._fingerprint import code_fingerprints, content_fingerprint
from tfx_core.proto import pipeline_pb2 as ppb
from tfx_core.types import STANDARD_TYPES, artifact_class

log = logging.getLogger("tfx_core.runner")

PIPELINE, PIPELINE_RUN, NODE = "pipeline", "pipeline_run", "node"
FINGERPRINT = "fingerprint"  # Custom property: content hash of a published artifact.
IMPORTED = "imported"  # Custom property: registered by an Importer, not written by a node.


class PipelineRunError(RuntimeError):
  """Some nodes failed; `result` says which and how every node ended."""

  def __init__(self, result):
    failed = [n for n, s in result.node_states.items() if s == "FAILED"]
    super().__init__("pipeline %s run %s failed at node(s) %s; fix and run again to resume "
                     "(completed nodes are cached)" % (result.pipeline_name, result.run_id,
                                                        ", ".join(failed)))
    self.result = result


@dataclasses.dataclass
class RunResult:
  pipeline_name: str
  run_id: str
  node_states: dict  # node id -> COMPLETE, CACHED, FAILED or SKIPPED (upstream failed)
  outputs: dict  # node id -> {output key: [metadata_pb2.Artifact]}
  seconds: float = 0.0


def default_metadata_url(pipeline_root):
  return "sqlite:///" + os.path.join(os.path.abspath(pipeline_root), "metadata.sqlite")


class LocalDagRunner:
  """Runs pipelines in this process.

  metadata_url: the store (default: SQLite file metadata.sqlite under the pipeline root).
  enable_cache: the run's switch; None follows the pipeline's enable_cache.
  beam_pipeline_args: replaces the pipeline's when given.
  """

  def __init__(self, metadata_url=None, max_parallel_nodes=4, enable_cache=None,
               beam_pipeline_args=None):
    if max_parallel_nodes < 1:
      raise ValueError("max_parallel_nodes must be at least 1, got %d" % max_parallel_nodes)
    self.metadata_url = metadata_url
    self.max_parallel_nodes = max_parallel_nodes
    self.enable_cache = enable_cache
    self.beam_pipeline_args = beam_pipeline_args

  def run(self, pipeline):
    """Runs a Pipeline (or its compiled IR); returns a RunResult or raises PipelineRunError."""
    url = self.metadata_url or (pipeline.metadata_url if isinstance(pipeline, Pipeline) else None)
    ir = compile_pipeline(pipeline) if isinstance(pipeline, Pipeline) else pipeline
    store = md.MetadataStore(url or default_metadata_url(ir.pipeline_root))
    try:
      return _Run(self, ir, store).execute()
    finally:
      store.close()


class _Run:
  """One run of one pipeline IR."""

  def __init__(self, runner, ir, store):
    self.ir, self.store = ir, store
    self.cache = ir.enable_cache if runner.enable_cache is None else runner.enable_cache
    self.beam_args = list(ir.beam_pipeline_args if runner.beam_pipeline_args is None
                          else runner.beam_pipeline_args)
    self.max_parallel = runner.max_parallel_nodes
    self.run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
    self.root = os.path.abspath(ir.pipeline_root)
    store.get_types(md.ARTIFACT)  # One read warms the cache; put_type then writes only news.
    for type_name in set(STANDARD_TYPES) | {o.artifact_type for n in ir.nodes
                                            for o in n.outputs.values()}:
      store.put_type(md.ARTIFACT, type_name, artifact_class(type_name).PROPERTIES)
    # Resolvers see only artifacts that existed when the run started, never ones that sibling
    # nodes of this run publish while they resolve.
    newest = store.get_artifacts(newest_first=True, limit=1)
    self.resolver_horizon = newest[0].id if newest else 0
    self.pipeline_ctx = store.get_or_create_context(PIPELINE, ir.name)
    self.run_ctx = store.get_or_create_context(
        PIPELINE_RUN, ir.name + "." + self.run_id, {"pipeline": ir.name, "run_id": self.run_id})

  def execute(self):
    start = time.monotonic()
    nodes = {n.id: n for n in self.ir.nodes}
    states, outputs = {}, {}
    pending = [n.id for n in self.ir.nodes]
    log.info("pipeline %s: run %s of %d nodes (cache %s, up to %d in parallel), metadata %s",
             self.ir.name, self.run_id, len(nodes), "on" if self.cache else "off",
             self.max_parallel, self.store.url)
    with concurrent.futures.ThreadPoolExecutor(self.max_parallel) as pool:
      running = {}
      while pending or running:
        for node_id in list(pending):
          ups = nodes[node_id].upstream_nodes
          if any(states.get(u) in ("FAILED", "SKIPPED") for u in ups):
            states[node_id] = "SKIPPED"
            pending.remove(node_id)
            log.warning("[%s] skipped: an upstream node failed", node_id)
          elif all(states.get(u) in ("COMPLETE", "CACHED") for u in ups):
            pending.remove(node_id)
            running[pool.submit(self._run_node, nodes[node_id], outputs)] = node_id
        if not running:
          continue
        done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
        for future in done:
          node_id = running.pop(future)
          states[node_id], outputs[node_id] = future.result()
          log.info("pipeline %s: %d/%d nodes finished", self.ir.name, len(states), len(nodes))
    result = RunResult(self.ir.name, self.run_id, states, outputs, time.monotonic() - start)
    if "FAILED" in states.values():
      raise PipelineRunError(result)
    log.info("pipeline %s: run %s finished in %.2f s: %s", self.ir.name, self.run_id,
             result.seconds, ", ".join("%s %s" % kv for kv in states.items()))
    return result

  # ---------------------------------------------------------------- nodes

  def _run_node(self, node, outputs):
    """Returns (state, {key: [artifact records]}); never raises for a node's own failure."""
    try:
      node_ctx = self.store.get_or_create_context(NODE, self.ir.name + "." + node.id)
      contexts = [self.pipeline_ctx, self.run_ctx, node_ctx]
      inputs = self._resolve_inputs(node, outputs)
      if node.kind == ppb.Node.IMPORTER:
        return self._import(node, contexts)
      if node.kind == ppb.Node.RESOLVER:
        return "COMPLETE", self._resolve(node, inputs, contexts)
      return self._run_component(node, inputs, contexts, node_ctx)
    except Exception:  # pylint: disable=broad-except
      error = traceback.format_exc()
      log.error("[%s] FAILED before its executor ran:\n%s", node.id, error)
      try:
        self.store.publish_execution(self._execution(node, md.Execution.FAILED, error=error),
                                     contexts=[self.pipeline_ctx, self.run_ctx])
      except Exception:  # pylint: disable=broad-except  (the store itself may be the problem)
        log.error("[%s] could not record the failure:\n%s", node.id, traceback.format_exc())
      return "FAILED", {}

  def _resolve_inputs(self, node, outputs):
    inputs = {}
    for key, spec in node.inputs.items():
      if spec.producer_node_id:
        inputs[key] = list(outputs[spec.producer_node_id].get(spec.producer_output_key, []))
      else:
        inputs[key] = []  # Filled by the Resolver itself.
      if not inputs[key] and not spec.optional and node.kind == ppb.Node.COMPONENT:
        raise ValueError("[%s] input %r resolved to no %s artifacts" % (
            node.id, key, spec.artifact_type))
    return inputs

  def _execution(self, node, state, **custom):
    self.store.put_type(md.EXECUTION, node.component_type)
    execution = md.Execution(type=node.component_type, name=node.id, state=state)
    custom.update(node_id=node.id, run_id=self.run_id)
    for key, value in custom.items():
      execution.custom_properties[key].CopyFrom(md.to_value(value))
    return execution

  @staticmethod
  def _events(inputs, event_type):
    return [(artifact, md.Event(type=event_type, key=key, index=i))
            for key, artifacts in inputs.items() for i, artifact in enumerate(artifacts)]

  def _import(self, node, contexts):
    config = node.importer
    type_name = node.outputs["result"].artifact_type
    if not os.path.exists(config.source_uri):
      raise FileNotFoundError("[%s] source_uri %s does not exist" % (node.id, config.source_uri))
    fingerprint = content_fingerprint(config.source_uri)
    if not config.reimport:
      for known in self.store.get_artifacts(type_name=type_name, uri=config.source_uri,
                                            state=md.Artifact.LIVE, newest_first=True):
        if known.custom_properties[FINGERPRINT].string_value == fingerprint:
          self.store.publish_execution(self._execution(node, md.Execution.CACHED),
                                       [(known, None)], contexts)
          log.info("[%s] reusing imported %s %d (%s)", node.id, type_name, known.id,
                   config.source_uri)
          return "CACHED", {"result": [known]}
    artifact = md.Artifact(type=type_name, uri=config.source_uri, state=md.Artifact.LIVE)
    artifact.custom_properties[FINGERPRINT].string_value = fingerprint
    artifact.custom_properties[IMPORTED].int_value = 1  # Retention never deletes user files.
    for key, value in config.properties_json.items():
      target = (artifact.properties if key in artifact_class(type_name).PROPERTIES
                else artifact.custom_properties)
      target[key].CopyFrom(md.to_value(json.loads(value)))
    self.store.publish_execution(self._execution(node, md.Execution.COMPLETE),
                                 [(artifact, md.Event(type=md.Event.OUTPUT, key="result"))],
                                 contexts)
    log.info("[%s] imported %s %d from %s", node.id, type_name, artifact.id, config.source_uri)
    return "COMPLETE", {"result": [artifact]}

  def _resolve(self, node, inputs, contexts):
    def live(**filters):
      found = self.store.get_artifacts(state=md.Artifact.LIVE, context_id=self.pipeline_ctx.id,
                                       newest_first=True, **filters)
      return [a for a in found if a.id <= self.resolver_horizon]

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
        resolved[key] = inputs[key][:1] or live(type_name=spec.artifact_type)[:1]
    self.store.publish_execution(self._execution(node, md.Execution.COMPLETE),
                                 self._events(resolved, md.Event.INPUT), contexts)
    log.info("[%s] resolved %s", node.id, {k: [a.id for a in v] for k, v in resolved.items()})
    return resolved

  # ---------------------------------------------------------------- components

  def _run_component(self, node, inputs, contexts, node_ctx):
    component_class = load_component_class(node.executor)
    params = {k: json.loads(v) for k, v in node.parameters_json.items()}
    parts = self._cache_parts(node, component_class, params, inputs)
    cache_key = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    if self.cache and node.execution_options.enable_cache:
      hit = self._cache_lookup(node, node_ctx, cache_key, parts)
      if hit is not None:
        previous, outs = hit
        execution = self._execution(node, md.Execution.CACHED, cache_key=cache_key,
                                    cached_from=previous.id)
        self.store.publish_execution(
            execution, self._events(inputs, md.Event.INPUT) +
            self._events(outs, md.Event.OUTPUT), contexts)
        log.info("[%s] cache hit: reusing the outputs of execution %d (run %s)", node.id,
                 previous.id, previous.custom_properties["run_id"].string_value)
        return "CACHED", outs
    else:
      log.info("[%s] cache disabled (%s)", node.id,
               "this node" if self.cache else "this run / pipeline")
    options = node.execution_options
    for attempt in range(options.max_retries + 1):
      outs, error = self._attempt(node, component_class, inputs, params, contexts, cache_key,
                                  parts, attempt)
      if error is None:
        return "COMPLETE", outs
      if attempt < options.max_retries:
        wait = options.retry_backoff_seconds * 2 ** attempt
        log.warning("[%s] attempt %d/%d failed; retrying in %.1f s", node.id, attempt + 1,
                    options.max_retries + 1, wait)
        time.sleep(wait)
    return "FAILED", {}

  def _cache_parts(self, node, component_class, params, inputs):
    return {
        "component": "%s@%s" % (node.component_type, node.component_version),
        "tfx_core": tfx_core.__version__,
        "parameters": params,
        "inputs": {key: [a.custom_properties[FINGERPRINT].string_value
                         if FINGERPRINT in a.custom_properties else content_fingerprint(a.uri)
                         for a in artifacts]
                   for key, artifacts in sorted(inputs.items())},
        "code": code_fingerprints(component_class.module_files(params)),
        "external": {path: content_fingerprint(path)
                     for path in component_class.external_inputs(params)},
    }

  def _cache_lookup(self, node, node_ctx, cache_key, parts):
    for previous in self.store.get_executions(context_id=node_ctx.id,
                                              properties={"cache_key": cache_key},
                                              state=md.Execution.COMPLETE, newest_first=True):
      outs = self._outputs_of(previous.id)
      if all(a.state == md.Artifact.LIVE and os.path.exists(a.uri)
             for artifacts in outs.values() for a in artifacts):
        return previous, outs
    last = self.store.get_executions(context_id=node_ctx.id, state=md.Execution.COMPLETE,
                                     newest_first=True, limit=1)
    log.info("[%s] cache miss: %s", node.id, _miss_reason(last, parts))
    return None

  def _outputs_of(self, execution_id):
    events = self.store.get_events(execution_ids=[execution_id], event_type=md.Event.OUTPUT)
    by_id = {a.id: a for a in self.store.get_artifacts(ids=[e.artifact_id for e in events])}
    outs = {}
    for event in sorted(events, key=lambda e: (e.key, e.index)):
      outs.setdefault(event.key, []).append(by_id[event.artifact_id])
    return outs

  def _attempt(self, node, component_class, inputs, params, contexts, cache_key, parts,
               attempt):
    execution = self._execution(node, md.Execution.RUNNING, cache_key=cache_key,
                                cache_parts=json.dumps(parts, sort_keys=True), attempt=attempt)
    execution_id, _ = self.store.publish_execution(
        execution, self._events(inputs, md.Event.INPUT), contexts)
    staging = os.path.join(self.root, node.id, ".staging", str(execution_id))
    moved = []
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
                                node_dir=os.path.join(self.root, node.id))
      os.makedirs(context.tmp_dir)
      # Copies: sibling threads read the same input records.
      input_dict = {k: [artifact_class(a.type)(md.Artifact.FromString(a.SerializeToString()))
                        for a in v] for k, v in inputs.items()}
      executor = component_class.EXECUTOR_CLASS(context)
      returned = executor.Do(input_dict, output_dict, params) or {}
      for name, value in returned.items():
        execution.custom_properties[OUTPUT_PROPERTY_PREFIX + name].CopyFrom(md.to_value(value))
      published = {}
      for key, artifacts in output_dict.items():
        final = os.path.join(self.root, node.id, key, str(execution_id))
        os.makedirs(os.path.dirname(final), exist_ok=True)
        os.rename(artifacts[0].uri, final)  # Atomic on one filesystem.
        moved.append(final)
        record = artifacts[0].record
        record.uri, record.state = final, md.Artifact.LIVE
        record.custom_properties[FINGERPRINT].string_value = content_fingerprint(final)
        published[key] = [record]
      execution.id, execution.state = execution_id, md.Execution.COMPLETE
      self.store.publish_execution(execution, self._events(published, md.Event.OUTPUT),
                                   contexts)
      log.info("[%s] complete in %.2f s", node.id, time.monotonic() - started)
      return published, None
    except Exception:  # pylint: disable=broad-except  (user code: record whatever it raised)
      error = traceback.format_exc()
      log.error("[%s] execution %d FAILED:\n%s", node.id, execution_id, error)
      for folder in moved:  # Never published, so nothing refers to them.
        shutil.rmtree(folder, ignore_errors=True)
      failed = self._execution(node, md.Execution.FAILED, cache_key=cache_key, attempt=attempt,
                               error=error)
      failed.id = execution_id
      self.store.put_executions([failed])
      return {}, error
    finally:
      shutil.rmtree(staging, ignore_errors=True)


def _miss_reason(last, parts):
  if not last:
    return "no earlier completed execution of this node"
  before = json.loads(last[0].custom_properties["cache_parts"].string_value or "{}")
  changed = []
  for key in ("component", "tfx_core"):
    if before.get(key) != parts[key]:
      changed.append("%s %s -> %s" % (key, before.get(key), parts[key]))
  names = sorted(set(before.get("parameters", {})) | set(parts["parameters"]))
  changed += ["parameter %r changed" % n for n in names
              if before.get("parameters", {}).get(n) != parts["parameters"].get(n)]
  changed += ["input %r changed" % k for k in parts["inputs"]
              if before.get("inputs", {}).get(k) != parts["inputs"][k]]
  old_code, new_code = before.get("code", {}), parts["code"]
  changed += ["code changed: %s" % os.path.basename(p) for p in sorted(set(old_code) | set(
      new_code)) if old_code.get(p) != new_code.get(p)]
  return "; ".join(changed) or "the previous outputs are gone"


def load_component_class(code):
  """The component class at code.import_path ("module:Qual.Name"), importing the module, or
  loading code.source_file under that module name when it is not importable."""
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
  if module is None:
    try:
      module = importlib.import_module(module_name)
    except ImportError:
      if not os.path.isfile(source_file):
        raise
      module = load_source_file(module_name, source_file)
  return module


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
