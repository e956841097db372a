"""The metadata store: every artifact and execution of every run, with lineage.

    store = MetadataStore("sqlite:///pipeline_root/metadata.sqlite")   # or postgresql://...
    store.put_type(ARTIFACT, "Examples", {"span": INT})
    [artifact_id] = store.put_artifacts([Artifact(type="Examples", uri="/data/x")])
    store.get_lineage([artifact_id], direction="upstream", depth=5)

Records are the protos of tfx_core.proto.metadata_pb2.
"""

from tfx_core.metadata._store import (ARTIFACT, CONTEXT, EXECUTION, MetadataStore,
                                      MetadataStoreError, SchemaVersionError, engine_url,
                                      from_value, now_ms, to_value)
from tfx_core.proto.metadata_pb2 import (Artifact, Association, Attribution, Context, Event,
                                         Execution, LineageGraph, PropertyType, Type, Value)

INT, DOUBLE, STRING = PropertyType.INT, PropertyType.DOUBLE, PropertyType.STRING

__all__ = [
    "ARTIFACT", "CONTEXT", "EXECUTION", "INT", "DOUBLE", "STRING", "Artifact", "Association",
    "Attribution", "Context", "Event", "Execution", "LineageGraph", "MetadataStore",
    "MetadataStoreError",    "PropertyType", "SchemaVersionError", "Type", "Value", "engine_url", "from_value", "now_ms",
    "to_value",
]
