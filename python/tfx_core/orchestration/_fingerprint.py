"""Fingerprints for the cache: artifact contents, and user code with the local modules it imports."""

import ast
import hashlib
import os
import threading

# ast.parse is not thread-safe on CPython 3.11.7 (seen in this project's tests: SystemError
# "AST constructor recursion depth mismatch"), and the runner's node threads fingerprint code
# concurrently, so parsing is serialized.
_PARSE_LOCK = threading.Lock()


def content_fingerprint(uri):
  """sha256 over every file under `uri` (or the file itself): relative paths and bytes."""
  digest = hashlib.sha256()
  if os.path.isfile(uri):
    _hash_file(digest, uri)
    return digest.hexdigest()
  for folder, dirs, files in os.walk(uri):
    dirs.sort()
    for name in sorted(files):
      path = os.path.join(folder, name)
      digest.update(os.path.relpath(path, uri).encode() + b"\0")
      _hash_file(digest, path)
  return digest.hexdigest()


def _hash_file(digest, path):
  with open(path, "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
      digest.update(block)


def code_fingerprints(paths):
  """{path: sha256} for each source file and every local module it imports, transitively.

  "Local" means found next to the importing file or under its package root: user helpers,
  not installed libraries (those are pinned by the environment). Paths are relative to the
  first file's folder, so a moved checkout keeps its cache.
  """
  todo = [os.path.abspath(p) for p in paths if p]
  if not todo:
    return {}
  base = os.path.dirname(todo[0])
  return {os.path.relpath(path, base): digest for path, digest in _closure(todo).items()}


def _closure(todo):
  seen = {}
  while todo:
    path = todo.pop()
    if path in seen:
      continue
    found = _scan(path)
    if found is not None:
      seen[path], imports = found
      todo.extend(imports)
  return dict(sorted(seen.items()))


_SCANNED = {}  # path -> ((mtime_ns, size), digest, local imports): files rarely change mid-run.
_SCANNED_LOCK = threading.Lock()


def _scan(path):
  """(sha256, local import paths) of a source file, or None if it does not exist."""
  try:
    stat = os.stat(path)
  except OSError:
    return None
  version = (stat.st_mtime_ns, stat.st_size)
  with _SCANNED_LOCK:
    known = _SCANNED.get(path)
  if known is not None and known[0] == version:
    return known[1], known[2]
  with open(path, "rb") as f:
    source = f.read()
  digest, imports = hashlib.sha256(source).hexdigest(), _local_imports(path, source)
  with _SCANNED_LOCK:
    _SCANNED[path] = (version, digest, imports)
  return digest, imports


def _package_root(folder):
  while os.path.isfile(os.path.join(folder, "__init__.py")):
    folder = os.path.dirname(folder)
  return folder


def _candidates(base, dotted):
  parts = [p for p in dotted.split(".") if p]
  for i in range(1, len(parts) + 1):
    stem = os.path.join(base, *parts[:i])
    yield stem + ".py"
    yield os.path.join(stem, "__init__.py")


def _local_imports(path, source):
  try:
    with _PARSE_LOCK:
      tree = ast.parse(source, filename=path)
  except SyntaxError:
    return []  # The executor will report it; the file's hash still changes with every edit.
  folder = os.path.dirname(path)
  bases = {folder, _package_root(folder)}
  found = []
  for node in ast.walk(tree):
    if isinstance(node, ast.Import):
      names = [(alias.name, bases) for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
      if node.level:
        base = folder
        for _ in range(node.level - 1):
          base = os.path.dirname(base)
        prefix, roots = node.module or "", {base}
      else:
        prefix, roots = node.module, bases
      names = [(prefix, roots)] + [(prefix + "." + a.name if prefix else a.name, roots)
                                   for a in node.names]
    else:
      continue
    for dotted, roots in names:
      for root in roots:
        found.extend(c for c in _candidates(root, dotted) if os.path.isfile(c))
  return found
