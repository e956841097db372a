"""Channel: a typed stream of artifacts, produced by a node's output or resolved from metadata."""


class Channel:
  """Artifacts of `type`: an output of node `producer_id` under `output_key`, or (with no
  producer) whatever a Resolver finds in the metadata store."""

  def __init__(self, type, producer_id=None, output_key=None):  # pylint: disable=redefined-builtin
    self.type = type
    self.producer_id = producer_id
    self.output_key = output_key

  def future(self):
    """Its artifacts as the run will have them, for dsl.Cond predicates: future()[0]..."""
    from tfx_core.dsl._cond import ChannelFuture  # pylint: disable=import-outside-toplevel
    return ChannelFuture(self)

  def __repr__(self):
    source = "%s.outputs[%r]" % (self.producer_id, self.output_key) if self.producer_id else "metadata"
    return "Channel(%s from %s)" % (self.type.TYPE_NAME, source)
