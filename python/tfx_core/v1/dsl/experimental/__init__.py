"""`tfx.v1.dsl.experimental`: resolver strategies."""

from tfx_core.dsl import LatestArtifactStrategy, LatestBlessedModelStrategy

# The name TFX's taxi example still imports (tfx.dsl.experimental.latest_blessed_model_resolver).
LatestBlessedModelResolver = LatestBlessedModelStrategy

__all__ = ["LatestArtifactStrategy", "LatestBlessedModelResolver", "LatestBlessedModelStrategy"]
