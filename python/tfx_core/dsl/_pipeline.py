"""Pipeline: a validated DAG of nodes."""

from tfx_core.dsl._component import BaseNode


class PipelineError(ValueError):
  """The pipeline's graph is invalid; the message names the node and field."""


class Pipeline:
  """Nodes plus where their outputs live. Construction validates the graph: duplicate ids,
  inputs produced by nodes outside the pipeline or by an output that does not exist,
  and cycles are errors naming the node and field."""

  def __init__(self, pipeline_name, pipeline_root, components, enable_cache=False,
               beam_pipeline_args=None, metadata_url=None):
    self.pipeline_name = pipeline_name
    self.pipeline_root = str(pipeline_root)
    self.enable_cache = enable_cache
    self.beam_pipeline_args = list(beam_pipeline_args or [])
    self.metadata_url = metadata_url
    if not pipeline_name or not all(c.isalnum() or c in "-_." for c in pipeline_name):
      raise PipelineError("pipeline_name must be letters, digits, '-', '_' or '.', got %r" %
                          pipeline_name)
    by_id = {}
    for node in components:
      if not isinstance(node, BaseNode):
        raise PipelineError("pipeline %s: %r is not a component" % (pipeline_name, node))
      if node.id in by_id:
        raise PipelineError("pipeline %s: two nodes have the id %r; give one another id with "
                            ".with_id(...)" % (pipeline_name, node.id))
      by_id[node.id] = node
    self.upstream = {}
    for node in components:
      ups = {n.id for n in node.upstream_nodes}
      inputs = dict(node.inputs)
      for i, condition in enumerate(node.conditions):
        inputs.update(("condition %d.%d" % (i, j), c) for j, c in enumerate(condition.channels))
      for key, channel in inputs.items():
        if channel.producer_id is None:
          continue
        producer = by_id.get(channel.producer_id)
        if producer is None:
          raise PipelineError("%s input %r comes from node %r, which is not in pipeline %s" % (
              node.id, key, channel.producer_id, pipeline_name))
        if channel.output_key not in producer.outputs:
          raise PipelineError("%s input %r reads output %r of %s, which has none" % (
              node.id, key, channel.output_key, producer.id))
        ups.add(producer.id)
      for up in ups:
        if up not in by_id:
          raise PipelineError("%s depends on node %r, which is not in pipeline %s" % (
              node.id, up, pipeline_name))
      self.upstream[node.id] = ups
    self.nodes = _topological(pipeline_name, components, self.upstream)


def _topological(pipeline_name, nodes, upstream):
  """Nodes ordered so each follows its upstream nodes (stable: ties keep the given order)."""
  order, state = [], {}

  def visit(node_id, path):
    if state.get(node_id) == "done":
      return
    if state.get(node_id) == "active":
      cycle = path[path.index(node_id):] + [node_id]
      raise PipelineError("pipeline %s has a cycle: %s" % (pipeline_name, " -> ".join(cycle)))
    state[node_id] = "active"
    for up in sorted(upstream[node_id]):
      visit(up, path + [node_id])
    state[node_id] = "done"
    order.append(node_id)

  for node in nodes:
    visit(node.id, [])
  by_id = {n.id: n for n in nodes}
  return [by_id[i] for i in order]
