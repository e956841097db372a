"""User functions (preprocessing_fn, run_fn, tuner_fn) named the two ways TFX components take
them: a module file and the function's name, or a 'package.module.function' import path."""

import hashlib
import importlib
import importlib.util
import os
import sys


def load_from_module_file(path, name):
  """`name` from a Python file, imported under a name derived from its path and content (an
  edited file is imported afresh)."""
  if not os.path.isfile(path):
    raise ValueError("module_file %s does not exist" % path)
  with open(path, "rb") as f:
    digest = hashlib.sha256(os.path.abspath(path).encode() + b"\0" + f.read()).hexdigest()
  module_name = "tfx_core_user_module_" + digest[:16]
  module = sys.modules.get(module_name)
  if module is None:
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    try:
      spec.loader.exec_module(module)
    except Exception as e:
      raise ValueError("importing module_file %s failed: %s: %s" % (path, type(e).__name__, e)) \
          from e
    sys.modules[module_name] = module
  fn = getattr(module, name, None)
  if not callable(fn):
    raise ValueError("module_file %s has no function %s" % (path, name))
  return fn


def import_function(path, what):
  """The function at 'package.module.function'; `what` names it in errors."""
  module, _, name = path.rpartition(".")
  try:
    fn = getattr(importlib.import_module(module), name)
  except (ImportError, AttributeError, ValueError) as e:
    raise ValueError("cannot import %s %r: %s" % (what, path, e)) from e
  if not callable(fn):
    raise ValueError("%s %r is not a function" % (what, path))
  return fn


def check_one_of(component, exec_properties, fn_name):
  """(module_file, import path): exactly one of the two parameters naming `fn_name`."""
  module_file, path = exec_properties.get("module_file"), exec_properties.get(fn_name)
  if bool(module_file) == bool(path):
    raise ValueError("%s: give exactly one of module_file (a file defining %s) and %s "
                     "('package.module.function')" % (component, fn_name, fn_name))
  return module_file, path


def function_of(component, exec_properties, fn_name):
  """The user function a component's module_file or `fn_name` parameter names."""
  module_file, path = check_one_of(component, exec_properties, fn_name)
  try:
    if module_file:
      return load_from_module_file(module_file, fn_name)
    return import_function(path, fn_name)
  except ValueError as e:
    raise ValueError("%s: %s" % (component, e)) from e
