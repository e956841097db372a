"""Compiles a Pipeline into its IR (tfx_core.proto.pipeline_pb2.Pipeline)."""

import inspect
import os

import tfx_core
from tfx_core.dsl._component import BaseComponent
from tfx_core.dsl._values import to_ir_value
from tfx_core.dsl._nodes import Importer, LatestBlessedModelStrategy, Resolver
from tfx_core.proto import pipeline_pb2 as ppb


def compile_pipeline(pipeline):
  ir = ppb.Pipeline(name=pipeline.pipeline_name, pipeline_root=pipeline.pipeline_root,
                    beam_pipeline_args=pipeline.beam_pipeline_args,
                    enable_cache=pipeline.enable_cache, tfx_core_version=tfx_core.__version__)
  downstream = {n.id: [] for n in pipeline.nodes}
  for node_id, ups in pipeline.upstream.items():
    for up in ups:
      downstream[up].append(node_id)
  for node in pipeline.nodes:
    out = ir.nodes.add(id=node.id, upstream_nodes=sorted(pipeline.upstream[node.id]),
                       downstream_nodes=sorted(downstream[node.id]))
    out.execution_options.enable_cache = node.enable_cache
    out.execution_options.max_retries = node.max_retries
    out.execution_options.retry_backoff_seconds = node.retry_backoff_seconds
    for key, channel in node.inputs.items():
      optional = isinstance(node, BaseComponent) and node.SPEC_CLASS.INPUTS[key].optional
      out.inputs[key].CopyFrom(ppb.InputSpec(
          producer_node_id=channel.producer_id or "", producer_output_key=channel.output_key or "",
          artifact_type=channel.type.TYPE_NAME, optional=optional))
    for key, channel in node.outputs.items():
      out.outputs[key].artifact_type = channel.type.TYPE_NAME
    for key, value in node.exec_properties.items():
      out.parameters[key].CopyFrom(to_ir_value(value))
    out.conditions.extend(condition.proto for condition in node.conditions)
    if isinstance(node, Importer):
      out.kind = ppb.Node.IMPORTER
      out.component_type = "tfx_core.dsl.Importer"
      out.importer.source_uri = node.source_uri
      out.importer.reimport = node.reimport
      for key, value in node.properties.items():
        out.importer.properties[key].CopyFrom(to_ir_value(value))
    elif isinstance(node, Resolver):
      out.kind = ppb.Node.RESOLVER
      out.component_type = "tfx_core.dsl.Resolver"
      out.resolver.strategy = (ppb.ResolverConfig.LATEST_BLESSED_MODEL
                               if node.strategy_class is LatestBlessedModelStrategy
                               else ppb.ResolverConfig.LATEST_ARTIFACT)
    else:
      cls = type(node)
      source_file = inspect.getsourcefile(cls.function if hasattr(cls, "function") else cls)
      module = cls.__module__
      if module == "__main__":  # A pipeline script run directly: name it as an import would.
        module = os.path.splitext(os.path.basename(source_file))[0]
      out.kind = ppb.Node.COMPONENT
      out.component_type = "%s.%s" % (module, cls.__qualname__)
      out.component_version = cls.VERSION
      out.executor.import_path = "%s:%s" % (module, cls.__qualname__)
      out.executor.source_file = source_file or ""
  return ir
