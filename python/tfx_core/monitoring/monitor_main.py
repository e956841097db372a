"""tfx-core-monitor: watches a model server's request log for skew and drift.

  tfx-core-monitor --log_dir=serving_logs --model_name=penguin \\
      --baseline_statistics=root/StatisticsGen/statistics/7/Split-train/FeatureStats.pb \\
      --schema=root/SchemaGen/schema/8/schema.pbtxt --window=60s --follow

Each pass reads the new files of the log once (progress is kept in the metadata store, so a
restart goes on where it stopped), finalizes the windows the log has moved past, writes their
statistics and anomalies under --output_dir and sends their alerts to the log, --alerts_jsonl
and --webhook_url. --once makes one pass (--flush also finalizes the open windows); --follow
polls every --poll_seconds until interrupted.
"""

import os
import re
import shlex
import sys
import time

from absl import app, flags
from google.protobuf.message import DecodeError

from tfx_core.orchestration._cli import (EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, setup_logging,
                                         user_path)

# --log_dir is absl.logging's own flag (where absl would write log files, which this command
# never asks it to); here it names the request log.
flags.FLAGS["log_dir"].help = "The model server's --request_log_dir."
flags.DEFINE_string("model_name", None, "The model whose requests to monitor.")
flags.DEFINE_string("baseline_statistics", None, "Training statistics (FeatureStats.pb, a "
                    "DatasetFeatureStatisticsList), e.g. StatisticsGen's train split.")
flags.DEFINE_string("schema", None, "The schema (schema.pbtxt) with its skew/drift comparators.")
flags.DEFINE_string("window", "60s", "Tumbling windows: '<seconds>s' of request time or "
                    "'<n>rows' of logged rows.")
flags.DEFINE_float("allowed_lateness_seconds", 60.0, "How long after a time window ends its "
                   "rows may still arrive (at least the server's --request_log_max_file_seconds).")
flags.DEFINE_bool("once", False, "One pass, then exit.")
flags.DEFINE_bool("follow", False, "Pass every --poll_seconds until interrupted.")
flags.DEFINE_bool("flush", False, "With --once: finalize the open windows too.")
flags.DEFINE_float("poll_seconds", 10.0, "--follow: time between passes.", lower_bound=0.1)
flags.DEFINE_string("metadata_url", None, "Metadata store URL (default: "
                    "<output_dir>/metadata.sqlite).")
flags.DEFINE_string("output_dir", None, "Where window artifacts and state go (default: "
                    "<log_dir>/<model_name>.monitor).")
flags.DEFINE_string("alerts_jsonl", None, "Append each alert to this file as a JSON line.")
flags.DEFINE_string("webhook_url", None, "POST each alert to this URL as JSON (retried with "
                    "backoff; never blocks the monitor).")
flags.DEFINE_list("default_thresholds", [], "Thresholds for features without a comparator in "
                  "the schema: jensen_shannon_divergence:<t> (numeric), infinity_norm:<t> "
                  "(categorical); ExampleValidator's default_thresholds.")
flags.DEFINE_string("measures", "", "Distances computed besides the schema's comparators, "
                    "with their thresholds: e.g. psi:0.2,ks:0.1,wasserstein:0.1,chi2:0.05 (the "
                    "chi-squared p-value alerts below its threshold).")
flags.DEFINE_string("retrain_command", None, "Start this command (e.g. 'tfx-core-run "
                    "--pipeline_module=p.py --pipeline_root=root') when --retrain_on holds; its "
                    "environment's TFX_CORE_TRIGGER_REASON says why.")
flags.DEFINE_list("retrain_on", ["alert"], "When to retrain: 'alert' (skew or drift), "
                  "'every:<seconds>', 'rows:<n>' (new logged rows), 'span:<input dir>:<pattern>'.")
flags.DEFINE_float("retrain_min_interval_seconds", 3600.0, "Least time between two starts.",
                   lower_bound=0)
flags.DEFINE_integer("cooldown_windows", 10, "A persisting alert fires again after this many "
                     "windows.", lower_bound=1)

FLAGS = flags.FLAGS
_COMPARATORS = ("infinity_norm", "jensen_shannon_divergence")  # validate_statistics' defaults.
_WINDOW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|rows)\s*$")


def window_flag(text):
  """{"window_seconds": s} or {"window_rows": n} from --window."""
  match = _WINDOW.match(text or "")
  if not match:
    raise app.UsageError("--window must be '<seconds>s' or '<n>rows', e.g. 60s or 1000rows; got "
                         "%r" % text)
  value, unit = match.groups()
  if unit == "s":
    return {"window_seconds": float(value)}
  if "." in value:
    raise app.UsageError("--window: a number of rows is whole, got %r" % text)
  return {"window_rows": int(value)}


def threshold_flag(items):
  """{comparator: threshold} from --default_thresholds."""
  out = {}
  for item in items:
    name, _, value = item.partition(":")
    try:
      if name not in _COMPARATORS:
        raise ValueError(item)
      out[name] = float(value)
    except ValueError:
      raise app.UsageError("--default_thresholds: %r is not <comparator>:<threshold> with a "
                           "comparator of %s" % (item, ", ".join(_COMPARATORS))) from None
  return out


def retrain_conditions(items):
  """RetrainTrigger's condition arguments from --retrain_on."""
  out = {"on_alert_kinds": ()}
  for item in items:
    name, _, value = item.partition(":")
    try:
      if name == "alert" and not value:
        out["on_alert_kinds"] = ("skew", "drift")
      elif name == "every":
        out["every_seconds"] = float(value)
      elif name == "rows":
        out["every_rows"] = int(value)
      elif name == "span" and ":" in value:
        out["span_dir"], out["span_pattern"] = value.split(":", 1)
      else:
        raise ValueError(item)
    except ValueError:
      raise app.UsageError("--retrain_on: %r is not alert, every:<seconds>, rows:<n> or "
                           "span:<input dir>:<pattern>" % item) from None
  return out


def _report(windows):
  from tfx_core import monitoring  # pylint: disable=import-outside-toplevel
  for w in windows:
    when = "%s..%s" % (w.start.isoformat(), w.end.isoformat()) if w.start else "rows"
    raised = monitoring.alerts(w)
    print("window %s: %d rows, versions %s: %s" % (
        when, w.rows, ",".join(map(str, w.model_versions)),
        "; ".join("%s %s" % (kind, feature) for kind, feature, _, _ in raised) or "no alerts"))
    sys.stdout.flush()


def main(argv):
  if len(argv) > 1:
    raise app.UsageError("unexpected arguments: %s" % " ".join(argv[1:]))
  for name in ("log_dir", "model_name", "baseline_statistics", "schema"):
    if not FLAGS[name].value:
      raise app.UsageError("--%s is required" % name)
  if FLAGS.once == FLAGS.follow:
    raise app.UsageError("give --once or --follow")
  window = window_flag(FLAGS.window)
  setup_logging()  # Before the imports, whose notices it keeps quiet.
  from tfx_core import metadata as md  # pylint: disable=import-outside-toplevel
  from tfx_core import monitoring, validation  # pylint: disable=import-outside-toplevel
  try:
    measures = monitoring.parse_measures(FLAGS.measures)
  except ValueError as e:
    raise app.UsageError("--measures: %s" % e) from None
  thresholds = threshold_flag(FLAGS.default_thresholds)
  log_dir = user_path(FLAGS.log_dir)
  output_dir = user_path(FLAGS.output_dir) or os.path.join(log_dir, FLAGS.model_name + ".monitor")
  try:
    baseline = validation.load_statistics(user_path(FLAGS.baseline_statistics))
  except (OSError, DecodeError) as e:
    print("tfx-core-monitor: --baseline_statistics: %s" % e, file=sys.stderr)
    return EXIT_FAILED
  try:
    schema = validation.load_schema(user_path(FLAGS.schema))
  except (OSError, ValueError) as e:
    print("tfx-core-monitor: --schema: %s" % e, file=sys.stderr)
    return EXIT_FAILED
  os.makedirs(output_dir, exist_ok=True)
  try:
    store = md.MetadataStore(user_path(FLAGS.metadata_url) or
                             "sqlite:///" + os.path.join(output_dir, "metadata.sqlite"))
  except md.MetadataStoreError as e:
    print("tfx-core-monitor: %s" % e, file=sys.stderr)
    return EXIT_FAILED
  sinks = [monitoring.LogSink()]
  if FLAGS.alerts_jsonl:
    sinks.append(monitoring.JsonLinesSink(user_path(FLAGS.alerts_jsonl)))
  webhook = monitoring.WebhookSink(FLAGS.webhook_url) if FLAGS.webhook_url else None
  if webhook:
    sinks.append(webhook)
  trigger = None
  if FLAGS.retrain_command:
    trigger = monitoring.RetrainTrigger(
        store, shlex.split(FLAGS.retrain_command),
        min_interval_seconds=FLAGS.retrain_min_interval_seconds,
        log_path=os.path.join(output_dir, "retrain.log"), **retrain_conditions(FLAGS.retrain_on))
  if not (thresholds or measures or any(
      f.HasField("skew_comparator") or f.HasField("drift_comparator") for f in schema.feature)):
    print("tfx-core-monitor: warning: the schema has no skew_comparator or drift_comparator "
          "and neither --default_thresholds nor --measures is given: only schema anomalies "
          "will be checked", file=sys.stderr)
  monitor = monitoring.Monitor(log_dir, FLAGS.model_name, baseline, schema, store, output_dir,
                               allowed_lateness_seconds=FLAGS.allowed_lateness_seconds,
                               default_thresholds=thresholds,
                               measures=measures, sinks=sinks, trigger=trigger,
                               cooldown_windows=FLAGS.cooldown_windows, **window)
  try:
    while True:
      _report(monitor.run_once(flush=FLAGS.flush and FLAGS.once))
      if FLAGS.once:
        return EXIT_OK
      time.sleep(FLAGS.poll_seconds)
  except KeyboardInterrupt:
    return EXIT_INTERRUPTED
  finally:
    if webhook:
      webhook.close()
    if trigger:
      trigger.wait()


def run():
  app.run(main)


if __name__ == "__main__":
  run()
