"""Input patterns with spans and versions, as in TFX's ExampleGen.

A pattern is a glob relative to the input base that may hold `{SPAN}` (digits), `{VERSION}`
(digits, needs a span) or a date `{YYYY}-{MM}-{DD}` (the span is then days since 1970-01-01).
Without a requested span the latest one is read; within a span, the latest version.
"""

import dataclasses
import datetime
import glob
import os
import re

_PLACEHOLDERS = {
    "{SPAN}": r"(?P<span>\d+)",
    "{VERSION}": r"(?P<version>\d+)",
    "{YYYY}": r"(?P<year>\d{4})",
    "{MM}": r"(?P<month>\d{2})",
    "{DD}": r"(?P<day>\d{2})",
}
_EPOCH = datetime.date(1970, 1, 1)


@dataclasses.dataclass
class Resolved:
  span: int
  version: int  # -1 when the pattern has no {VERSION}.
  files: dict  # split -> sorted list of paths
  spans: list  # Every span read (one unless a range was asked for).


def _regex(pattern):
  parts = re.split(r"(\{SPAN\}|\{VERSION\}|\{YYYY\}|\{MM\}|\{DD\})", pattern)
  out = []
  for part in parts:
    if part in _PLACEHOLDERS:
      out.append(_PLACEHOLDERS[part])
    else:
      out.append(re.escape(part).replace(r"\*", "[^/]*").replace(r"\?", "[^/]"))
  return re.compile("".join(out) + r"\Z")


def _check(pattern):
  has = {p for p in _PLACEHOLDERS if p in pattern}
  date = {"{YYYY}", "{MM}", "{DD}"} & has
  if date and date != {"{YYYY}", "{MM}", "{DD}"}:
    raise ValueError("input pattern %r: a date needs all of {YYYY}, {MM} and {DD}" % pattern)
  if date and "{SPAN}" in has:
    raise ValueError("input pattern %r: use {SPAN} or a date, not both" % pattern)
  if "{VERSION}" in has and not (date or "{SPAN}" in has):
    raise ValueError("input pattern %r: {VERSION} needs {SPAN} or a date" % pattern)
  return bool(has)


def _span_version(match):
  groups = match.groupdict()
  if groups.get("year"):
    try:
      day = datetime.date(int(groups["year"]), int(groups["month"]), int(groups["day"]))
    except ValueError:
      return None
    span = (day - _EPOCH).days
  else:
    span = int(groups["span"]) if groups.get("span") else 0
  version = int(groups["version"]) if groups.get("version") else -1
  return span, version


def _matches(input_base, pattern):
  """{(span, version): [paths]} of the files the pattern matches."""
  regex = _regex(pattern)
  wildcard = pattern
  for placeholder in _PLACEHOLDERS:
    wildcard = wildcard.replace(placeholder, "*")
  found = {}
  for path in glob.glob(os.path.join(input_base, wildcard)):
    if not os.path.isfile(path):
      continue
    match = regex.match(os.path.relpath(path, input_base))
    key = match and _span_version(match)
    if key:
      found.setdefault(key, []).append(path)
  return found


def resolve(input_base, patterns, span=None, span_range=None, latest=None):
  """The files of every split for the requested span (default: latest), a span range
  [first, last] (`last` None: open-ended), or the `latest` N spans of a range.

  patterns: split name -> pattern. Every split must use the same placeholders.
  """
  if not os.path.isdir(input_base):
    raise FileNotFoundError("input base %s is not a folder" % input_base)
  kinds = {_check(p) for p in patterns.values()}
  if len(kinds) > 1:
    raise ValueError("input patterns %s: either every split has a span placeholder or none "
                     "does" % sorted(patterns.values()))
  found = {split: _matches(input_base, p) for split, p in patterns.items()}
  for split, matches in found.items():
    if not matches:
      raise FileNotFoundError("input pattern %r of split %r matches no file under %s" % (
          patterns[split], split, input_base))
  available = sorted({s for matches in found.values() for s, _ in matches})
  if span_range is not None:
    lo, hi = span_range
    spans = [s for s in available if lo <= s and (hi is None or s <= hi)]
    if latest:
      spans = spans[-latest:]
    if not spans:
      raise FileNotFoundError("no span in [%d, %s] under %s (spans there: %s)" % (
          lo, "latest" if hi is None else hi, input_base, available))
  elif span is not None:
    if span not in available:
      raise FileNotFoundError("span %d not found under %s (spans there: %s)" % (
          span, input_base, available))
    spans = [span]
  else:
    spans = [available[-1]]
  files = {split: [] for split in patterns}
  version = -1
  for s in spans:
    for split, matches in found.items():
      versions = sorted(v for (sp, v) in matches if sp == s)
      if not versions:
        raise FileNotFoundError("split %r has no file for span %d (pattern %r)" % (
            split, s, patterns[split]))
      version = versions[-1]
      files[split].extend(sorted(matches[(s, version)]))
  return Resolved(span=spans[-1], version=version, files=files, spans=spans)
