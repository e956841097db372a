"""Monitoring served traffic: the model server's request log read back as features, cut into
windows, and each window's statistics (the C++ accumulators StatisticsGen uses) compared with
the training baseline (skew, in the schema's SERVING environment) and with the previous window
(drift), with the schema's comparators and thresholds:

    table = monitoring.read_request_log(monitoring.log_files(log_dir, "penguin"), schema)
    for window in monitoring.evaluate_windows(table, baseline, schema, seconds=60):
      print(window.start, window.distances, monitoring.alerts(window))

`Monitor` does the same incrementally and durably: each new log file read once (progress in
the metadata store), windows finalized as the log moves past them, published as
ExampleStatistics / ExampleAnomalies artifacts, alerts sent to sinks (log, JSON lines, webhook)
with a cool-down, and DASHBOARD_FILE rewritten over every window so far. `export_span` turns
logged traffic and its late labels into a new ExampleGen span; `model_quality` evaluates the
logged predictions against those labels, window by window, with the Evaluator's metrics;
`RetrainTrigger` starts a pipeline run on an alert, a schedule, new rows or a new span.
"""

from tfx_core.monitoring._request_log import (METADATA_COLUMNS, RequestLogError, log_files,
                                              read_request_log)
from tfx_core.monitoring._dashboard import dashboard_html
from tfx_core.monitoring._export import (DEFAULT_PATTERN, export_span, join_feedback,
                                         read_feedback)
from tfx_core.monitoring._measures import MEASURES, measure, parse_measures
from tfx_core.monitoring._monitor import DASHBOARD_FILE, Monitor, MonitorState, RequestLog
from tfx_core.monitoring._quality import QualityWindow, model_quality, read_predictions
from tfx_core.monitoring._sinks import JsonLinesSink, LogSink, WebhookSink
from tfx_core.monitoring._trigger import REASON_ENV, RetrainTrigger
from tfx_core.monitoring._windows import (Window, alerts, compare_window, evaluate_windows,
                                          split_windows)

__all__ = [
    "DASHBOARD_FILE", "DEFAULT_PATTERN", "MEASURES", "METADATA_COLUMNS", "JsonLinesSink",
    "LogSink", "Monitor", "MonitorState", "QualityWindow", "REASON_ENV", "RequestLog",
    "RequestLogError", "RetrainTrigger",
    "WebhookSink", "Window", "alerts", "compare_window", "dashboard_html", "evaluate_windows",
    "export_span", "join_feedback", "log_files", "measure", "model_quality", "parse_measures",
    "read_feedback", "read_predictions", "read_request_log", "split_windows",
]
