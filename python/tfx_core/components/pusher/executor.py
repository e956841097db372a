"""Pusher's executor: a blessed model's SavedModel copied to <base_directory>/<version>/,
staged under a hidden name and renamed into place, so a server polling the directory never
sees a partial version. Versions are UNIX timestamps, strictly increasing: a push in the same
second as (or earlier than) the newest version takes the next number. A model identical to
the newest version (the same model blessed again) is not copied twice."""

import filecmp
import json
import logging
import os
import shutil
import time

from tfx_core.dsl import BaseExecutor
from tfx_core.proto import pusher_pb2

log = logging.getLogger("tfx_core.components.Pusher")

STAGING_PREFIX = ".staging-"  # Not a number: TF Serving and our server skip it.


def _versions(base):
  return [int(n) for n in os.listdir(base) if n.isdigit()]


def _refusal(input_dict):
  """Why the model must not be pushed, or None."""
  model_blessing = (input_dict.get("model_blessing") or [None])[0]
  if model_blessing is None and not input_dict.get("infra_blessing"):
    raise ValueError("Pusher: no model_blessing (nor infra_blessing): it pushes only a model "
                     "a blessing vouches for; give it the Evaluator's outputs['blessing']")
  if model_blessing is not None and not model_blessing.get("blessed"):
    failed = json.loads(model_blessing.get("failed_thresholds") or "[]")
    return "the Evaluator did not bless the model%s" % (
        " (%d threshold checks failed)" % len(failed) if failed else "")
  infra_blessing = (input_dict.get("infra_blessing") or [None])[0]
  if infra_blessing is not None and not infra_blessing.get("blessed"):
    return "the InfraValidator did not bless the model"
  return None


def _same_tree(a, b):
  """Whether two folders hold the same files with the same bytes."""
  compared = filecmp.dircmp(a, b)
  if compared.left_only or compared.right_only or compared.funny_files:
    return False
  _, mismatch, errors = filecmp.cmpfiles(a, b, compared.common_files, shallow=False)
  return not mismatch and not errors and all(
      _same_tree(os.path.join(a, d), os.path.join(b, d)) for d in compared.common_dirs)


def push(model_dir, base_directory):
  """Copies model_dir to a new version under base_directory (unless the newest version is
  already this model); returns (version, path, copied)."""
  if not os.path.isdir(model_dir):
    raise ValueError("Pusher: the model has no SavedModel at %s" % model_dir)
  try:
    os.makedirs(base_directory, exist_ok=True)
  except OSError as e:
    raise ValueError("Pusher: cannot create push destination %s: %s" % (base_directory,
                                                                        e.strerror)) from None
  if not os.access(base_directory, os.W_OK | os.X_OK):
    raise ValueError("Pusher: push destination %s is not writable" % base_directory)
  existing = _versions(base_directory)
  if existing:
    newest = os.path.join(base_directory, str(max(existing)))
    if _same_tree(model_dir, newest):
      return max(existing), newest, False
  version = max([int(time.time())] + [v + 1 for v in existing])
  staging = os.path.join(base_directory, "%s%d-%d" % (STAGING_PREFIX, version, os.getpid()))
  try:
    shutil.copytree(model_dir, staging)
    while True:
      target = os.path.join(base_directory, str(version))
      try:
        os.rename(staging, target)  # Atomic; fails if another push took this version.
        return version, target, True
      except OSError:
        if not os.path.exists(target):
          raise
        version += 1
  finally:
    shutil.rmtree(staging, ignore_errors=True)


class PusherExecutor(BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    model = (input_dict.get("model") or [None])[0]
    infra_blessing = (input_dict.get("infra_blessing") or [None])[0]
    pushed = output_dict["pushed_model"][0]
    destination = exec_properties.get("push_destination")
    if destination is None or destination.WhichOneof("destination") != "filesystem" or \
        not destination.filesystem.base_directory:
      raise ValueError("Pusher: push_destination needs filesystem.base_directory")
    if destination.filesystem.versioning not in (pusher_pb2.AUTO, pusher_pb2.UNIX_TIMESTAMP):
      raise ValueError("Pusher: unsupported versioning %s" % destination.filesystem.versioning)
    os.makedirs(pushed.uri, exist_ok=True)
    reason = _refusal(input_dict)
    if reason is not None:
      pushed.set("pushed", 0)
      pushed.set("push_refused", reason)
      log.info("not pushed: %s", reason)
      return
    # The InfraValidator's copy with warm-up requests, when it made one (as TFX's Pusher).
    source = infra_blessing if infra_blessing is not None and infra_blessing.has_model else model
    if source is None:
      raise ValueError("Pusher: no model to push: give it the Trainer's outputs['model'] (or an "
                       "InfraValidator blessing made with request_spec.make_warmup)")
    model_dir = source.stamped_model_dir if source is infra_blessing else source.serving_model_dir
    version, path, copied = push(model_dir, destination.filesystem.base_directory)
    pushed.set("pushed", 1)
    pushed.set("pushed_version", str(version))
    pushed.set("pushed_destination", path)
    pushed.set("pushed_model_id", source.id)
    if not copied:
      pushed.set("already_serving", 1)
    log.info("%s %s %d as version %d: %s", "pushed" if copied else "already serving",
             type(source).__name__, source.id, version, path)
