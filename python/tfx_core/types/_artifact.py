"""Artifact: a typed pointer to files, backed by a metadata_pb2.Artifact record."""

import json
import os

from tfx_core.metadata import DOUBLE, INT, STRING, from_value, to_value
from tfx_core.proto import metadata_pb2 as mpb

_PYTHON_TYPES = {INT: int, DOUBLE: float, STRING: str}


class Artifact:
  """Base class of artifact types. Subclasses set TYPE_NAME and PROPERTIES (name -> type)."""

  TYPE_NAME = None
  PROPERTIES = {}

  def __init__(self, record=None):
    if self.TYPE_NAME is None:
      raise TypeError("Artifact is abstract; use a type such as Examples or Model")
    self.record = record if record is not None else mpb.Artifact(type=self.TYPE_NAME)

  @property
  def id(self):
    return self.record.id

  @property
  def uri(self):
    return self.record.uri

  @uri.setter
  def uri(self, value):
    self.record.uri = value

  @property
  def state(self):
    return self.record.state

  def get(self, name, default=None):
    """A declared or custom property's value."""
    for mapping in (self.record.properties, self.record.custom_properties):
      if name in mapping:
        return from_value(mapping[name])
    return default

  def set(self, name, value):
    """Sets a declared property (type-checked) or else a custom property."""
    if name in self.PROPERTIES:
      declared = self.PROPERTIES[name]
      if isinstance(value, bool) or not isinstance(value, _PYTHON_TYPES[declared]):
        raise TypeError("property %r of %s must be %s, got %r" % (
            name, self.TYPE_NAME, mpb.PropertyType.Name(declared), value))
      self.record.properties[name].CopyFrom(to_value(value))
    else:
      self.record.custom_properties[name].CopyFrom(to_value(value))

  # Split-aware artifacts keep one folder per split: <uri>/Split-<name>/.
  @property
  def split_names(self):
    return json.loads(self.get("split_names") or "[]")

  @split_names.setter
  def split_names(self, names):
    self.set("split_names", json.dumps(list(names)))

  def split_uri(self, split):
    return os.path.join(self.uri, "Split-" + split)

  def data_label(self):
    """" (span N, version V)" where the artifact has them, else "": names the data in report
    titles (an output's folder is temporary while its node runs)."""
    parts = ["%s %s" % (key, self.get(key)) for key in ("span", "version")
             if self.get(key) is not None and self.get(key) >= 0]  # -1: no version.
    return " (%s)" % ", ".join(parts) if parts else ""

  def __repr__(self):
    return "%s(id=%d, uri=%r)" % (self.TYPE_NAME, self.id, self.uri)


_SPLIT_AWARE = {"span": INT, "version": INT, "split_names": STRING}


def _artifact_type(name, properties=None, doc=""):
  return type(name, (Artifact,), {"TYPE_NAME": name, "PROPERTIES": properties or {},
                                  "__doc__": doc})


# File names inside artifacts: TFX's, defined once here and used by every reader and writer.
SCHEMA_FILE = "schema.pbtxt"
STATS_FILE = "FeatureStats.pb"
ANOMALIES_FILE = "SchemaDiff.pb"
SERVING_MODEL_DIR = "Format-Serving"
EVAL_MODEL_DIR = "Format-TFMA"
HYPERPARAMETERS_FILE = "best_hyperparameters.txt"
VALUE_FILE = "value"


class Examples(Artifact):
  """Data: Parquet shards per split, Split-<name>/data-NNNNN-of-NNNNN.parquet."""
  TYPE_NAME, PROPERTIES = "Examples", _SPLIT_AWARE

  def file_pattern(self, split):
    """The glob of a split's Parquet shards."""
    return os.path.join(self.split_uri(split), "*.parquet")


class ExampleStatistics(Artifact):
  """Statistics per split: Split-<name>/FeatureStats.pb (a DatasetFeatureStatisticsList)."""
  TYPE_NAME, PROPERTIES = "ExampleStatistics", _SPLIT_AWARE
  REPORT_FILE = "statistics.html"

  def stats_path(self, split):
    return os.path.join(self.split_uri(split), STATS_FILE)

  @property
  def report_path(self):
    return os.path.join(self.uri, self.REPORT_FILE)


class ExampleAnomalies(Artifact):
  """Anomalies per split: Split-<name>/SchemaDiff.pb (an Anomalies proto), and reports."""
  TYPE_NAME, PROPERTIES = "ExampleAnomalies", _SPLIT_AWARE
  REPORT_FILES = ("anomalies.html", "anomalies.txt")

  def anomalies_path(self, split):
    return os.path.join(self.split_uri(split), ANOMALIES_FILE)


class Schema(Artifact):
  """A schema: schema.pbtxt (tensorflow_metadata Schema, text format)."""
  TYPE_NAME = "Schema"

  @property
  def schema_path(self):
    return os.path.join(self.uri, SCHEMA_FILE)


class Model(Artifact):
  """A trained model: Format-Serving/ (the SavedModel to serve), Format-TFMA/ (for analysis)."""
  TYPE_NAME = "Model"

  @property
  def serving_model_dir(self):
    return os.path.join(self.uri, SERVING_MODEL_DIR)

  @property
  def eval_model_dir(self):
    return os.path.join(self.uri, EVAL_MODEL_DIR)


TransformGraph = _artifact_type("TransformGraph", {}, "The Transform SavedModel (TFT's layout).")
TransformCache = _artifact_type("TransformCache", {"span": INT}, "Analyzer cache by span.")
ModelRun = _artifact_type("ModelRun", {}, "Training logs (TensorBoard).")


class HyperParameters(Artifact):
  """Tuned hyperparameters: best_hyperparameters.txt, KerasTuner's HyperParameters config as
  JSON (TFX's file)."""
  TYPE_NAME = "HyperParameters"

  @property
  def hyperparameters_path(self):
    return os.path.join(self.uri, HYPERPARAMETERS_FILE)


class ModelEvaluation(Artifact):
  """Sliced metrics in TFMA's layout: eval_config.json (an EvalRun), metrics-*.tfrecord
  (MetricsForSlice), plots-*.tfrecord (PlotsForSlice), validations.tfrecord (a
  ValidationResult), and report.html."""
  TYPE_NAME = "ModelEvaluation"
  EVAL_CONFIG_FILE = "eval_config.json"
  METRICS_FILE = "metrics-00000-of-00001.tfrecord"
  PLOTS_FILE = "plots-00000-of-00001.tfrecord"
  VALIDATIONS_FILE = "validations.tfrecord"
  REPORT_FILE = "report.html"

  def path(self, name):
    return os.path.join(self.uri, name)


class ModelBlessing(Artifact):
  """The Evaluator's verdict: an empty BLESSED or NOT_BLESSED file (TFX's), and properties."""
  TYPE_NAME = "ModelBlessing"
  PROPERTIES = {"blessed": INT, "current_model_id": INT}
  BLESSED_FILE, NOT_BLESSED_FILE = "BLESSED", "NOT_BLESSED"

  @property
  def blessed(self):
    return bool(self.get("blessed"))


class InfraBlessing(Artifact):
  """The InfraValidator's verdict: an empty INFRA_BLESSED or INFRA_NOT_BLESSED file (TFX's);
  with make_warmup, also the validated model with its warm-up requests (`has_model`)."""
  TYPE_NAME = "InfraBlessing"
  PROPERTIES = {"blessed": INT}
  BLESSED_FILE, NOT_BLESSED_FILE = "INFRA_BLESSED", "INFRA_NOT_BLESSED"
  STAMPED_MODEL_DIR = "stamped_model"  # TFX's name for the model with warm-up requests.

  @property
  def blessed(self):
    return bool(self.get("blessed"))

  @property
  def stamped_model_dir(self):
    return os.path.join(self.uri, self.STAMPED_MODEL_DIR)

  @property
  def has_model(self):
    return bool(self.get("has_model"))


PushedModel = _artifact_type("PushedModel", {"pushed": INT, "pushed_version": STRING},
                             "A model copied to a serving directory.")
InferenceResult = _artifact_type("InferenceResult", _SPLIT_AWARE, "Batch inference output.")


class ValueArtifact(Artifact):
  """One value, kept in the file `value` under the artifact's folder (as TFX keeps it)."""

  def encode(self, value):
    raise NotImplementedError

  def decode(self, data):
    raise NotImplementedError

  @property
  def value(self):
    with open(os.path.join(self.uri, VALUE_FILE), "rb") as f:
      return self.decode(f.read())

  @value.setter
  def value(self, value):
    data = self.encode(value)
    os.makedirs(self.uri, exist_ok=True)
    with open(os.path.join(self.uri, VALUE_FILE), "wb") as f:
      f.write(data)


def _value_type(name, python_type, encode, decode):
  def checked(self, value):
    if not isinstance(value, python_type) or (python_type is int and isinstance(value, bool)):
      raise TypeError("a %s artifact holds a %s, got %r" % (name, python_type.__name__, value))
    return encode(value)

  return type(name, (ValueArtifact,), {
      "TYPE_NAME": name, "__doc__": "A %s value artifact." % python_type.__name__,
      "encode": checked, "decode": lambda self, data: decode(data)})


String = _value_type("String", str, lambda v: v.encode("utf-8"), lambda d: d.decode("utf-8"))
Integer = _value_type("Integer", int, lambda v: str(v).encode(), lambda d: int(d))
Float = _value_type("Float", float, lambda v: repr(v).encode(), lambda d: float(d))
Bytes = _value_type("Bytes", bytes, lambda v: v, lambda d: d)

STANDARD_TYPES = {t.TYPE_NAME: t for t in (
    Examples, ExampleStatistics, ExampleAnomalies, Schema, TransformGraph, TransformCache, Model,
    ModelRun, HyperParameters, ModelEvaluation, ModelBlessing, InfraBlessing, PushedModel,
    InferenceResult, String, Integer, Float, Bytes)}
_REGISTRY = dict(STANDARD_TYPES)


def register(artifact_class):
  """Makes a user-defined artifact type known to runners (decorator)."""
  _REGISTRY[artifact_class.TYPE_NAME] = artifact_class
  return artifact_class


def artifact_class(type_name):
  """The Artifact subclass for a type name (a plain subclass is made for unknown names)."""
  if type_name not in _REGISTRY:
    _REGISTRY[type_name] = _artifact_type(type_name)
  return _REGISTRY[type_name]
