"""TFX's public API names over tfx_core: `from tfx_core import v1 as tfx` where a TFX pipeline
says `from tfx import v1 as tfx`.

    tfx.components.CsvExampleGen, StatisticsGen, SchemaGen, ImportSchemaGen, ExampleValidator,
        ImportExampleGen, Transform, Trainer, Tuner, FnArgs, DataAccessor, TunerFnResult
    tfx.dsl.Pipeline, Importer, Resolver, Channel, Cond; tfx.dsl.experimental.*;
        tfx.dsl.components.component, InputArtifact, OutputArtifact, Parameter
    tfx.types.standard_artifacts; tfx.proto.*
    tfx.orchestration.LocalDagRunner, tfx.orchestration.metadata

Each namespace is a module of its own, as TFX's are (`from tfx_core.v1.components import
StatisticsGen`, `import tfx_core.v1.proto`).
"""

from tfx_core.v1 import components, dsl, orchestration, proto, types

__all__ = ["components", "dsl", "orchestration", "proto", "types"]
