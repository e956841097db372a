"""ExampleValidator's executor: Split-<name>/SchemaDiff.pb, anomalies.txt and anomalies.html."""

import json
import logging
import os

from tfx_core import validation
from tfx_core.dsl import BaseExecutor
from tfx_core.proto import anomalies_pb2

log = logging.getLogger("tfx_core.components.ExampleValidator")


class AnomaliesFound(RuntimeError):
  """ERROR-severity anomalies with stop_on_error set."""


def _split_stats(artifact, split):
  return validation.load_statistics(artifact.stats_path(split))


class ExampleValidatorExecutor(BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    statistics = input_dict["statistics"][0]
    schema = validation.load_schema(input_dict["schema"][0].schema_path)
    previous = (input_dict.get("previous_statistics") or [None])[0]
    serving = (input_dict.get("serving_statistics") or [None])[0]
    anomalies_artifact = output_dict["anomalies"][0]
    exclude = set(exec_properties.get("exclude_splits") or [])
    training_split = exec_properties.get("training_split") or "train"
    if serving is not None and not serving.split_names:
      raise ValueError("ExampleValidator: serving_statistics have no splits")

    results, text, pages = {}, [], []
    for split in [s for s in statistics.split_names if s not in exclude]:
      previous_stats = _split_stats(previous, split) \
          if previous is not None and split in previous.split_names else None
      serving_stats = _split_stats(serving, serving.split_names[0]) \
          if serving is not None and split == training_split else None
      split_stats = _split_stats(statistics, split)
      anomalies = validation.validate_statistics(
          split_stats, schema,
          environment=exec_properties.get("environment"), previous_statistics=previous_stats,
          serving_statistics=serving_stats,
          default_thresholds=exec_properties.get("default_thresholds"))
      os.makedirs(anomalies_artifact.split_uri(split))
      with open(anomalies_artifact.anomalies_path(split), "wb") as f:
        # Deterministic: map entries in a fixed order, so equal anomalies are equal files
        # (content fingerprints, the cache).
        f.write(anomalies.SerializeToString(deterministic=True))
      results[split] = anomalies
      text.append("== split %s ==\n%s" % (split, validation.anomalies_text(anomalies)))
      pages.append(validation.anomalies_html(
          anomalies, title="Anomalies of split %s%s" % (split, statistics.data_label()),
          statistics=split_stats, previous_statistics=previous_stats,
          serving_statistics=serving_stats, split=split))
    report = "\n".join(text)
    html, txt = (os.path.join(anomalies_artifact.uri, n) for n in anomalies_artifact.REPORT_FILES)
    with open(txt, "w") as f:
      f.write(report + "\n")
    with open(html, "w") as f:
      f.write("\n".join(pages))
    anomalies_artifact.split_names = list(results)
    counts = {s: len(a.anomaly_info) for s, a in results.items()}
    anomalies_artifact.set("anomaly_counts", json.dumps(counts))
    worst = max((validation.max_severity(a) for a in results.values()),
                default=anomalies_pb2.AnomalyInfo.UNKNOWN)
    anomalies_artifact.set("max_severity", anomalies_pb2.AnomalyInfo.Severity.Name(worst))
    log.info("anomalies per split: %s\n%s", counts, report)
    if exec_properties.get("stop_on_error") and worst == anomalies_pb2.AnomalyInfo.ERROR:
      raise AnomaliesFound("ExampleValidator found ERROR anomalies (stop_on_error is set):\n"
                           + report)
