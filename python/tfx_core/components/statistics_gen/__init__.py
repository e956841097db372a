"""StatisticsGen: per-split dataset statistics and their HTML report."""

from tfx_core.components.statistics_gen.component import StatisticsGen

__all__ = ["StatisticsGen"]
