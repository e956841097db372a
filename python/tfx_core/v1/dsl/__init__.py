"""`tfx.v1.dsl`: pipelines, channels, importers, resolvers."""

from tfx_core import dsl as _dsl
from tfx_core.types import Channel
from tfx_core.v1.dsl import components, experimental

Cond = _dsl.Cond
Importer = _dsl.Importer
Resolver = _dsl.Resolver


class Pipeline(_dsl.Pipeline):
  """TFX's Pipeline arguments: metadata_connection_config is the store's URL
  (tfx.orchestration.metadata.sqlite_metadata_connection_config(path) makes one)."""

  def __init__(self, pipeline_name, pipeline_root, components=(), enable_cache=False,  # pylint: disable=redefined-outer-name
               metadata_connection_config=None, beam_pipeline_args=None):
    super().__init__(pipeline_name, pipeline_root, list(components), enable_cache=enable_cache,
                     beam_pipeline_args=beam_pipeline_args,
                     metadata_url=metadata_connection_config)


__all__ = ["Channel", "Cond", "Importer", "Pipeline", "Resolver", "components", "experimental"]
