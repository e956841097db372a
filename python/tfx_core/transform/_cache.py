"""The analyzer cache: analyzer values kept per (input data, analyzer), so a re-run on unchanged
data skips the passes whose analyzers it already knows (a new mapper, a new output, a changed
unrelated analyzer all leave the others cached).

An entry's key hashes the dataset key (the caller's: span, version and the analyzed files) with
the analyzer's kind, parameters and the structure of the TensorFlow subgraph that computes its
inputs: op types, attributes and edges, not op names (which shift when unrelated ops are
added), with raw features by name and analyzer files by name, not by this run's path. So a
change to how an input is computed, or to an earlier analyzer it depends on, is a new entry.
Entries are directories written to a temporary name and renamed, so a failed run leaves none
half-written.
"""

import hashlib
import json
import os
import shutil
import tempfile

from tfx_core.transform._tracing import file_name

VALUE_FILE = "value.json"
FILE = "file"  # The analyzer's file (a vocabulary), if its value has one.


class AnalyzerCache:

  def __init__(self, directory, dataset_key):
    self.directory, self._dataset_key = directory, dataset_key
    self.hits = self.misses = 0

  def _key(self, request, files_dir):
    digest = hashlib.sha256()
    digest.update(json.dumps([self._dataset_key, request.kind, request.params],
                             sort_keys=True, default=_stable_json).encode())
    fingerprints = {}
    for tensor in request.inputs:
      digest.update(_fingerprint(tensor.op, fingerprints, files_dir.encode()))
      digest.update(str(tensor.value_index).encode())
    return digest.hexdigest()[:32]

  def get(self, request, files_dir):
    entry = os.path.join(self.directory, self._key(request, files_dir))
    if not os.path.isfile(os.path.join(entry, VALUE_FILE)):
      self.misses += 1
      return None
    with open(os.path.join(entry, VALUE_FILE)) as f:
      value = json.load(f)
    if isinstance(value, dict) and "file" in value:
      # The entry may come from a trace where this analyzer had another key: use this one's.
      shutil.copyfile(os.path.join(entry, FILE), os.path.join(files_dir, file_name(request)))
      value["file"] = file_name(request)
    self.hits += 1
    return value

  def put(self, request, value, files_dir):
    entry = os.path.join(self.directory, self._key(request, files_dir))
    if os.path.isdir(entry):
      return
    os.makedirs(self.directory, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".entry-", dir=self.directory)
    try:
      if isinstance(value, dict) and "file" in value:
        shutil.copyfile(os.path.join(files_dir, value["file"]), os.path.join(tmp, FILE))
      with open(os.path.join(tmp, VALUE_FILE), "w") as f:
        json.dump(value, f)
      os.rename(tmp, entry)
    except OSError:  # Another run wrote the same entry first, or the disk failed: no entry.
      shutil.rmtree(tmp, ignore_errors=True)


def _stable_json(value):
  """Parameters JSON has no form for: functions (a vocabulary's key_fn) by their code, not
  their address, so a re-run finds their entries."""
  code = getattr(value, "__code__", None)
  if code is None:
    return str(value)
  return "function %s %s" % (value.__qualname__, hashlib.sha256(
      code.co_code + repr(code.co_consts).encode()).hexdigest())


def _fingerprint(op, memo, files_dir):
  """A hash of what `op` computes: its type, attributes and inputs' fingerprints; the name only
  of placeholders (raw features, pending analyzers); this run's files folder left out."""
  if op.name in memo:
    return memo[op.name]
  digest = hashlib.sha256(op.type.encode())
  if op.type == "Placeholder":
    digest.update(op.name.encode())
  for name in sorted(op.node_def.attr):
    digest.update(name.encode())
    digest.update(op.node_def.attr[name].SerializeToString(deterministic=True).replace(
        files_dir, b"<files>"))
  for tensor in op.inputs:
    digest.update(_fingerprint(tensor.op, memo, files_dir))
    digest.update(str(tensor.value_index).encode())
  for control in op.control_inputs:
    digest.update(b"^" + _fingerprint(control, memo, files_dir))
  memo[op.name] = digest.digest()
  return memo[op.name]
