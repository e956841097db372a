"""TFT's cases that tfx_core does not pass yet are listed, with the reason, in
known_failures.txt; they run as strict xfails, so a fix shows up (and must be unlisted) and a
listed case that starts passing fails the suite."""

import os

import pytest

_LIST = os.path.join(os.path.dirname(__file__), "known_failures.txt")


def _known():
  known = {}
  with open(_LIST) as f:
    for line in f:
      line = line.strip()
      if line and not line.startswith("#"):
        test_id, _, reason = line.partition(" | ")
        known[test_id] = reason
  return known


def pytest_collection_modifyitems(config, items):
  del config
  known = _known()
  for item in items:
    test_id = "%s::%s" % (os.path.basename(item.fspath), item.name)
    if test_id in known:
      item.add_marker(pytest.mark.xfail(reason=known.pop(test_id), strict=True))
  if known and not os.environ.get("TFT_CASES_SUBSET"):
    raise pytest.UsageError("known_failures.txt lists cases that do not exist: %s" % (
        ", ".join(sorted(known)[:5])))
