"""InfraValidator: does the model load and answer in the model server (TFX's InfraValidator)."""

from tfx_core.components.infra_validator.component import InfraValidator

__all__ = ["InfraValidator"]
