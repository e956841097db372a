"""Pipeline DSL: components, channels, pipelines, and the compiler to the pipeline IR.

    @component
    def Count(examples: InputArtifact[Examples], stats: OutputArtifact[ExampleStatistics]): ...

    pipeline = Pipeline("demo", root, [gen, Count(examples=gen.outputs["examples"])])
"""

from tfx_core.dsl._compiler import compile_pipeline
from tfx_core.dsl._cond import Cond, Predicate, logical_and, logical_not, logical_or
from tfx_core.dsl._component import (BaseComponent, BaseExecutor, BaseNode, ChannelParameter,
                                     ComponentSpec, ExecutionParameter, ExecutorContext)
from tfx_core.dsl._decorator import (OUTPUT_PROPERTY_PREFIX, InputArtifact, OutputArtifact,
                                     OutputDict, Parameter, component)
from tfx_core.dsl._nodes import (Importer, LatestArtifactStrategy, LatestBlessedModelStrategy,
                                 Resolver)
from tfx_core.dsl._pipeline import Pipeline, PipelineError

__all__ = [
    "BaseComponent", "BaseExecutor", "BaseNode", "ChannelParameter", "ComponentSpec", "Cond",
    "Predicate", "logical_and", "logical_not", "logical_or",
    "ExecutionParameter", "ExecutorContext", "Importer", "InputArtifact",
    "LatestArtifactStrategy", "LatestBlessedModelStrategy", "OUTPUT_PROPERTY_PREFIX",
    "OutputArtifact", "OutputDict", "Parameter", "Pipeline", "PipelineError", "Resolver",
    "compile_pipeline", "component",
]
