"""The analyzer cache: analyzer values kept per (input data, analyzer), so a re-run on unchanged
data skips the passes whose analyzers it already knows (a new mapper, a new output, a changed
unrelated analyzer all leave the others cached).

An entry's key hashes the dataset key (the caller's: span, version and the analyzed files) with
the analyzer's kind, parameters and the TensorFlow subgraph that computes its inputs (so a
change to how an input is computed, or to an earlier analyzer it depends on, is a new entry).
Entries are directories written to a temporary name and renamed, so a failed run leaves none
half-written.
"""

import hashlib
import json
import os
import shutil
import tempfile

VALUE_FILE = "value.json"


class AnalyzerCache:

  def __init__(self, directory, dataset_key):
    self.directory, self._dataset_key = directory, dataset_key
    self.hits = self.misses = 0

  def _key(self, request):
    digest = hashlib.sha256()
    digest.update(json.dumps([self._dataset_key, request.kind, request.params],
                             sort_keys=True, default=str).encode())
    for node in _subgraph(request.inputs):
      digest.update(node.SerializeToString(deterministic=True))
    return digest.hexdigest()[:32]

  def get(self, request, files_dir):
    entry = os.path.join(self.directory, self._key(request))
    if not os.path.isfile(os.path.join(entry, VALUE_FILE)):
      self.misses += 1
      return None
    with open(os.path.join(entry, VALUE_FILE)) as f:
      value = json.load(f)
    for name in os.listdir(entry):
      if name != VALUE_FILE:
        shutil.copyfile(os.path.join(entry, name), os.path.join(files_dir, name))
    self.hits += 1
    return value

  def put(self, request, value, files_dir):
    entry = os.path.join(self.directory, self._key(request))
    if os.path.isdir(entry):
      return
    os.makedirs(self.directory, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".entry-", dir=self.directory)
    if isinstance(value, dict) and "file" in value:
      shutil.copyfile(os.path.join(files_dir, value["file"]), os.path.join(tmp, value["file"]))
    with open(os.path.join(tmp, VALUE_FILE), "w") as f:
      json.dump(value, f)
    try:
      os.rename(tmp, entry)
    except OSError:  # Another run wrote the same entry first.
      shutil.rmtree(tmp, ignore_errors=True)


def _subgraph(tensors):
  """NodeDefs of the ops computing `tensors`, sorted by name."""
  seen, stack = {}, [t.op for t in tensors]
  while stack:
    op = stack.pop()
    if op.name in seen:
      continue
    seen[op.name] = op.node_def
    stack.extend(i.op for i in op.inputs)
    stack.extend(op.control_inputs)
  return [seen[name] for name in sorted(seen)]
