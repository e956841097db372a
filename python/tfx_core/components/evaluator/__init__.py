from tfx_core.components.evaluator.component import Evaluator

__all__ = ["Evaluator"]
