"""Nodes that run no user code: Importer (registers existing files) and Resolver (finds
artifacts of earlier runs in the metadata store)."""

from tfx_core.dsl._component import BaseNode
from tfx_core.types import Artifact, Channel, Model, ModelBlessing


class Importer(BaseNode):
  """Registers `source_uri` as an artifact of `artifact_type`; output key "result".

  The same uri and type are imported once and reused by later runs unless reimport=True.
  """

  def __init__(self, source_uri, artifact_type, reimport=False, properties=None):
    super().__init__("Importer")
    if not (isinstance(artifact_type, type) and issubclass(artifact_type, Artifact)):
      raise TypeError("Importer artifact_type must be an Artifact subclass, got %r" %
                      (artifact_type,))
    self.source_uri = str(source_uri)
    self.artifact_type = artifact_type
    self.reimport = bool(reimport)
    self.properties = dict(properties or {})
    self._output_channels({"result": artifact_type})


class LatestArtifactStrategy:
  """Each input resolves to the newest LIVE artifact of its type in this pipeline."""


class LatestBlessedModelStrategy:
  """`model` resolves to the newest Model with a ModelBlessing whose blessed == 1 (and
  `model_blessing` to that blessing); nothing if no model was ever blessed."""


class Resolver(BaseNode):
  """Resolves its channels (Channel(type=...) with no producer) from the metadata store;
  its outputs have the same keys and types as its inputs."""

  def __init__(self, strategy_class, **channels):
    super().__init__("Resolver")
    if strategy_class not in (LatestArtifactStrategy, LatestBlessedModelStrategy):
      raise TypeError("Resolver strategy_class must be LatestArtifactStrategy or "
                      "LatestBlessedModelStrategy, got %r" % (strategy_class,))
    for key, channel in channels.items():
      if not isinstance(channel, Channel):
        raise TypeError("Resolver input %r must be a Channel, got %r" % (key, channel))
    if strategy_class is LatestBlessedModelStrategy:
      types = {k: c.type.TYPE_NAME for k, c in channels.items()}
      if types.get("model") != Model.TYPE_NAME or types.get(
          "model_blessing") != ModelBlessing.TYPE_NAME:
        raise ValueError("LatestBlessedModelStrategy needs model=Channel(type=Model) and "
                         "model_blessing=Channel(type=ModelBlessing), got %s" % types)
    self.strategy_class = strategy_class
    self.inputs = dict(channels)
    self._output_channels({k: c.type for k, c in channels.items()})
