"""Reports of statistics and anomalies: self-contained HTML pages and a plain-text summary.

The counterpart of TFDV's visualize_statistics and display_anomalies, without Facets: each page
is one HTML string with inline CSS and inline SVG charts, no JavaScript and no external
resources, so it opens the same in a browser, a notebook's HTML output or an artifact viewer,
offline. Every string that comes from data (feature names, values, labels, descriptions) is
escaped.
"""

import html
import math

from tfx_core.proto import anomalies_pb2, statistics_pb2

_AnomalyInfo = anomalies_pb2.AnomalyInfo
_Measurement = anomalies_pb2.DriftSkewInfo.Measurement
_FeatureType = statistics_pb2.FeatureNameStatistics.Type
_STANDARD = statistics_pb2.Histogram.STANDARD

_ABSENT = "\u2014"  # Em dash: the cell of a feature a dataset does not have.
_TOP_VALUES_CHARTED = 10
_LABEL_CHARS = 22  # Top-value labels are cut to this many characters in the charts.
# Tableau 10: distinct in colour and in lightness, so overlaid series stay apart.
_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
            "#ff9da7", "#9c755f", "#bab0ac")

_CSS = """
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       margin: 1.5em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 1.5em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin: 0 0 .4em; } h3 .kind { color: #777; font-weight: normal; }
table { border-collapse: collapse; margin: .3em 0 .8em; }
th, td { border: 1px solid #ddd; padding: 3px 8px; vertical-align: top; }
th { background: #f4f4f4; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.v { max-width: 16em; overflow-wrap: anywhere; }
.feature { margin: 0 0 1.2em; padding: .6em .8em; border: 1px solid #e4e4e4; border-radius: 4px; }
.body { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } figcaption { font-size: 12px; color: #555; }
.key { display: inline-block; width: .8em; height: .8em; margin-right: .3em; border-radius: 2px; }
.legend { font-size: 12px; } .legend span.item { margin-right: 1em; white-space: nowrap; }
.missing { background: #fff3cd; }
.missing-high { background: #f8d7da; }
tr.error td { background: #f8d7da; } tr.warning td { background: #fff3cd; }
tr.exceeded td { background: #f8d7da; font-weight: bold; }
.ok { color: #2e7d32; font-weight: bold; }
nav a { margin-right: .8em; white-space: nowrap; }
ul.reasons { margin: 0; padding-left: 1.2em; }
svg text { font: 10px system-ui, sans-serif; fill: #444; }
"""


def _esc(value):
  return html.escape(str(value), quote=True)


def _num(x):
  """4 significant digits; thousands separators rather than exponents from 1,000 up."""
  x = float(x)
  if math.isnan(x):
    return "NaN"
  if math.isinf(x):
    return "inf" if x > 0 else "-inf"
  if 1e3 <= abs(x) < 1e15:
    return "{:,.0f}".format(x)
  return "{:.4g}".format(x)


def _count(n):
  return "{:,}".format(int(n))


def _pct(part, whole):
  if not whole:
    return "0%"
  text = "{:.3g}".format(100.0 * part / whole)
  if text == "100" and part < whole:  # 15,001 of 15,002 is not everything.
    text = "99.99"
  return text + "%"


def _finite(x):
  return x if math.isfinite(x) else 0.0


def _feature_name(feature):
  return ".".join(feature.path.step) if feature.path.step else feature.name


def _enum_name(enum, value):
  try:
    return enum.Name(value)
  except ValueError:  # A value newer than our proto: still show something.
    return str(value)


def _page(title, body):
  return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>%s</title>'
          "<style>%s</style></head><body>\n<h1>%s</h1>\n%s</body></html>\n" % (
              _esc(title), _CSS, _esc(title), body))


def _key(colour):
  return '<span class="key" style="background:%s"></span>' % colour


# Statistics.

def _stats_of(feature):
  """The feature's statistics message (num_stats, string_stats, ...), or None if none is set."""
  kind = feature.WhichOneof("stats")
  return getattr(feature, kind) if kind else None


def _missing(common):
  """Cell text and highlight class for a CommonStatistics or WeightedCommonStatistics."""
  total = common.num_missing + common.num_non_missing
  share = common.num_missing / total if total else 0.0
  cls = "missing-high" if share > 0.5 else "missing" if share > 0 else None
  number = _count if isinstance(common.num_missing, int) else _num
  return "%s (%s)" % (number(common.num_missing), _pct(common.num_missing, total)), cls


def _weighted_common(s):
  c = s.common_stats
  return c.weighted_common_stats if c.HasField("weighted_common_stats") else None


def _value(text):
  # The empty string is a real (and common, in CSVs) value: make it visible.
  return "<i>(empty)</i>" if text == "" else _esc(text)


def _top(top_values, total):
  """(value cell, frequency cell) of the most frequent value, or None without top values."""
  if not top_values:
    return None
  top = top_values[0]
  return _value(top.value), "%s (%s)" % (_num(top.frequency), _pct(top.frequency, total))


def _tot(common):
  return common.tot_num_values or common.num_non_missing


def _weighted_top(s, index):
  w = _weighted_common(s)
  if w is None or not s.weighted_string_stats.top_values:
    return None
  return _top(s.weighted_string_stats.top_values, w.tot_num_values or w.num_non_missing)[index]


def _has_weighted(s):
  return _weighted_common(s) is not None


# (row label, function of the stats message -> cell HTML, or (HTML, CSS class), or a false
# value for "not computed"; whether the row is shown only when some dataset has weights).
_NUMERIC_ROWS = (
    ("count", lambda s: _count(s.common_stats.num_non_missing), False),
    ("missing", lambda s: _missing(s.common_stats), False),
    ("mean", lambda s: _num(s.mean), False),
    ("std dev", lambda s: _num(s.std_dev), False),
    ("zeros", lambda s: "%s (%s)" % (_count(s.num_zeros), _pct(s.num_zeros, _tot(s.common_stats))),
     False),
    ("min", lambda s: _num(s.min), False),
    ("median", lambda s: _num(s.median), False),
    ("max", lambda s: _num(s.max), False),
    ("weighted count", lambda s: _has_weighted(s) and _num(_weighted_common(s).num_non_missing),
     True),
    ("weighted missing", lambda s: _has_weighted(s) and _missing(_weighted_common(s)), True),
    ("weighted mean", lambda s: s.HasField("weighted_numeric_stats") and
     _num(s.weighted_numeric_stats.mean), True),
    ("weighted std dev", lambda s: s.HasField("weighted_numeric_stats") and
     _num(s.weighted_numeric_stats.std_dev), True),
)
# Not every producer computes a weighted median (ours does not; TFDV does, with its weighted
# histograms), and proto3 cannot tell 0 from unset: show it only next to weighted histograms.
_WEIGHTED_MEDIAN = ("weighted median", lambda s: s.weighted_numeric_stats.histograms and
                    _num(s.weighted_numeric_stats.median), True)
_STRING_ROWS = (
    ("count", lambda s: _count(s.common_stats.num_non_missing), False),
    ("missing", lambda s: _missing(s.common_stats), False),
    ("unique", lambda s: _count(s.unique), False),
    ("avg length", lambda s: _num(s.avg_length), False),
    ("top value", lambda s: ((_top(s.top_values, _tot(s.common_stats)) or (_ABSENT,))[0], "v"),
     False),
    ("top frequency", lambda s: (_top(s.top_values, _tot(s.common_stats)) or (0, _ABSENT))[1],
     False),
    ("weighted count", lambda s: _has_weighted(s) and _num(_weighted_common(s).num_non_missing),
     True),
    ("weighted missing", lambda s: _has_weighted(s) and _missing(_weighted_common(s)), True),
    ("weighted top value", lambda s: (_weighted_top(s, 0) or _ABSENT, "v"), True),
    ("weighted top frequency", lambda s: _weighted_top(s, 1), True),
)
_OTHER_ROWS = (
    ("count", lambda s: _count(s.common_stats.num_non_missing), False),
    ("missing", lambda s: _missing(s.common_stats), False),
    ("weighted count", lambda s: _has_weighted(s) and _num(_weighted_common(s).num_non_missing),
     True),
    ("weighted missing", lambda s: _has_weighted(s) and _missing(_weighted_common(s)), True),
)


def _columns(datasets):
  """(label, colour, DatasetFeatureStatistics) per column: each list's datasets, slices after."""
  columns = []
  for label, stats_list in datasets:
    # An empty list still gets its column, so the page says the dataset had nothing.
    slices = list(stats_list.datasets) or [statistics_pb2.DatasetFeatureStatistics()]
    for i, dataset in enumerate(slices):
      name = str(label) if i == 0 else "%s / %s" % (label, dataset.name)
      columns.append((name, _COLOURS[len(columns) % len(_COLOURS)], dataset))
  return columns


def _header(columns):
  rows = []
  for label, colour, dataset in columns:
    weighted = _num(dataset.weighted_num_examples) if dataset.weighted_num_examples else ""
    rows.append('<tr><td>%s%s</td><td>%s</td><td class="n">%s</td><td class="n">%s</td></tr>' % (
        _key(colour), _esc(label), _esc(dataset.name), _count(dataset.num_examples), weighted))
  return ("<table><tr><th>dataset</th><th>name</th><th>examples</th><th>weighted examples</th>"
          "</tr>%s</table>\n" % "".join(rows))


def _table(rows, columns, feature_stats, kind):
  """One row per statistic, one column per dataset; absent features are red dashes."""
  weighted = any(s is not None and _has_weighted(s) for s in feature_stats)
  if kind == "num_stats" and any(s is not None and s.weighted_numeric_stats.histograms
                                 for s in feature_stats):
    rows = rows + (_WEIGHTED_MEDIAN,)
  out = ["<table><tr><th></th>"]
  out += ["<th>%s%s</th>" % (_key(colour), _esc(label)) for label, colour, _ in columns]
  out.append("</tr>")
  for name, cell, is_weighted in rows:
    if is_weighted and not weighted:
      continue
    out.append("<tr><th>%s</th>" % name)
    for (label, _, _), s in zip(columns, feature_stats):
      if s is None:
        out.append('<td class="missing-high" title="absent from %s">%s</td>' % (
            _esc(label), _ABSENT))
        continue
      value = cell(s)
      text, cls = value if isinstance(value, tuple) else (value or _ABSENT, None)
      out.append('<td class="%s">%s</td>' % (cls, text) if cls else '<td class="n">%s</td>' % text)
    out.append("</tr>")
  out.append("</table>")
  return "".join(out)


def _legend(series):
  return '<div class="legend">%s</div>' % "".join(
      '<span class="item">%s%s</span>' % (_key(colour), _esc(label)) for label, colour, _ in series)


def _histogram_svg(series):
  """Bars of STANDARD histograms, overlaid; shares of each dataset when comparing datasets of
  different sizes, counts for a single one. Empty string when there is nothing to draw."""
  bounds = [v for _, _, h in series for b in h.buckets for v in (b.low_value, b.high_value)
            if math.isfinite(v)]
  if not bounds:
    return ""
  lo, hi = min(bounds), max(bounds)
  single = hi <= lo  # Every value equal: one bar in the middle, labelled with the value.
  if single:
    lo, hi = lo - 0.5, hi + 0.5
  share = len(series) > 1
  bars = []
  for label, colour, h in series:
    total = sum(max(_finite(b.sample_count), 0.0) for b in h.buckets)
    for b in h.buckets:
      count = max(_finite(b.sample_count), 0.0)
      bars.append((label, colour, b, count / total if share and total else count))
  top = max((height for *_, height in bars), default=0.0)
  if top <= 0:
    return ""
  width, height, left, bottom = 340, 150, 44, 16
  plot_w, plot_h = width - left - 6, height - bottom - 6

  def x(v):
    return left + (min(max(v, lo), hi) - lo) / (hi - lo) * plot_w  # inf bounds clamp to edges

  out = ['<svg width="%d" height="%d" role="img" '
         'aria-label="histogram">' % (width, height)]
  for label, colour, b, value in bars:
    x0, x1 = x(b.low_value), x(b.high_value)
    if x1 - x0 < 4:  # A bucket of one value: wide enough to see and to hover.
      x0, x1 = (x0 + x1) / 2 - 3, (x0 + x1) / 2 + 3
    bar_h = value / top * plot_h
    shown = _pct(value, 1) if share else _num(value)
    out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="%s">'
               "<title>%s: [%s, %s]: %s</title></rect>" % (
                   x0, 6 + plot_h - bar_h, max(x1 - x0 - 0.5, 1), bar_h, colour,
                   "0.5" if share else "0.85", _esc(label), _num(b.low_value), _num(b.high_value),
                   shown))
  base = 6 + plot_h
  out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#888"/>' % (
      left, base, left + plot_w, base))
  if single:
    out.append('<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>' % (
        left + plot_w / 2, base + 12, _num(lo + 0.5)))
  else:
    out.append('<text x="%d" y="%.1f" text-anchor="start">%s</text>' % (
        left, base + 12, _num(lo)))
    out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (
        left + plot_w, base + 12, _num(hi)))
  out.append('<text x="%d" y="14" text-anchor="end">%s</text>' % (
      left - 4, _pct(top, 1) if share else _num(top)))
  out.append('<text x="%d" y="%.1f" text-anchor="end">0</text></svg>' % (left - 4, base))
  return "".join(out)


def _numeric_chart(columns, feature_stats):
  series, nans = [], []
  for (label, colour, _), s in zip(columns, feature_stats):
    standard = [h for h in s.histograms if h.type == _STANDARD] if s is not None else []
    if standard:
      series.append((label, colour, standard[0]))
      if standard[0].num_nan:
        nans.append("%s %s" % (_esc(label), _count(standard[0].num_nan)))
  svg = _histogram_svg(series)
  if not svg:
    return "<figure><figcaption>no histogram</figcaption></figure>"
  caption = "share of each dataset's values" if len(series) > 1 else "count"
  if nans:
    caption += "; NaN: " + ", ".join(nans)
  legend = _legend(series) if len(series) > 1 else ""
  return "<figure>%s%s<figcaption>%s</figcaption></figure>" % (legend, svg, caption)


def _top_values_svg(colour, top_values):
  values = list(top_values)[:_TOP_VALUES_CHARTED]
  top = max((_finite(v.frequency) for v in values), default=0.0)
  if top <= 0:
    return ""
  row, text_w, bar_w = 16, 140, 120
  out = ['<svg width="%d" height="%d" role="img" '
         'aria-label="top values">' % (text_w + bar_w + 50, row * len(values) + 4)]
  for i, v in enumerate(values):
    y = 2 + i * row
    label = v.value if len(v.value) <= _LABEL_CHARS else v.value[:_LABEL_CHARS - 1] + "\u2026"
    w = max(_finite(v.frequency), 0.0) / top * bar_w
    out.append('<g><title>%s: %s</title><text x="%d" y="%d" text-anchor="end">%s</text>'
               '<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
               '<text x="%.1f" y="%d">%s</text></g>' % (
                   _esc(v.value), _num(v.frequency), text_w - 4, y + 11,
                   _esc(label) if label else "(empty)", text_w, y + 2, w, row - 4, colour,
                   text_w + w + 3, y + 11, _num(v.frequency)))
  out.append("</svg>")
  return "".join(out)


def _string_chart(columns, feature_stats):
  figures = []
  for (label, colour, _), s in zip(columns, feature_stats):
    svg = _top_values_svg(colour, s.top_values) if s is not None else ""
    if svg:
      figures.append("<figure><figcaption>%s%s: top values</figcaption>%s</figure>" % (
          _key(colour), _esc(label), svg))
  return '<div class="charts">%s</div>' % "".join(figures) if figures else ""


_GROUPS = (
    ("num_stats", "Numeric features", _NUMERIC_ROWS, _numeric_chart),
    ("string_stats", "Categorical features", _STRING_ROWS, _string_chart),
    (None, "Other features", _OTHER_ROWS, None),  # bytes and struct statistics
)


def statistics_html(datasets, title="Statistics"):
  """An HTML page describing and comparing datasets' statistics, feature by feature.

  Args:
    datasets: (label, DatasetFeatureStatisticsList) pairs, e.g. [("train", a), ("eval", b)].
      Each list's first dataset is a column labelled `label`; further datasets (slices) are
      columns labelled "label / slice name".
    title: The page's title.

  Returns:
    A self-contained HTML document: inline CSS and SVG, no scripts, no external resources.
  """
  columns = _columns(datasets)
  by_name = [{_feature_name(f): f for f in dataset.features} for _, _, dataset in columns]
  groups = {kind: [] for kind, *_ in _GROUPS}
  for name in sorted(set().union(*by_name)):
    # A feature's group is its kind in the first dataset that has it.
    first = next(f[name] for f in by_name if name in f)
    kind = first.WhichOneof("stats")
    groups[kind if kind in groups else None].append(name)

  body = [_header(columns) if columns else "<p>No datasets.</p>\n"]
  index = {name: "f%d" % i for i, name in enumerate(n for names in groups.values() for n in names)}
  if index:
    body.append("<nav>%s</nav>\n" % "".join(
        '<a href="#%s">%s</a>' % (anchor, _esc(name)) for name, anchor in index.items()))
  for kind, heading, rows, chart in _GROUPS:
    if not groups[kind]:
      continue
    body.append("<h2>%s (%d)</h2>\n" % (heading, len(groups[kind])))
    for name in groups[kind]:
      features = [f.get(name) for f in by_name]
      # Stats of another kind than the group's (a feature whose type changed) count as absent.
      feature_stats = [_stats_of(f) if f is not None and (kind is None or f.HasField(kind))
                       else None for f in features]
      types = sorted({_enum_name(_FeatureType, f.type) for f in features if f is not None})
      body.append('<section class="feature" id="%s"><h3>%s <span class="kind">%s</span></h3>'
                  '<div class="body">%s%s</div></section>\n' % (
                      index[name], _esc(name), " / ".join(types),
                      _table(rows, columns, feature_stats, kind),
                      chart(columns, feature_stats) if chart else ""))
  return _page(title, "".join(body))


# Anomalies.

def _anomaly_rows(items):
  out = []
  for feature, info in items:
    severity = _enum_name(_AnomalyInfo.Severity, info.severity)
    reasons = "".join("<li><b>%s</b>: %s%s</li>" % (
        _esc(_enum_name(_AnomalyInfo.Type, r.type)), _esc(r.short_description),
        " \u2014 " + _esc(r.description) if r.description else "") for r in info.reason)
    row_class = {"ERROR": "error", "WARNING": "warning"}.get(severity, "")
    out.append('<tr class="%s"><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
        row_class, _esc(feature), _esc(severity), _esc(info.short_description),
        _esc(info.description), '<ul class="reasons">%s</ul>' % reasons if reasons else ""))
  return ("<table><tr><th>feature</th><th>severity</th><th>short description</th>"
          "<th>description</th><th>reasons</th></tr>%s</table>\n" % "".join(out))


def _measurements(anomalies):
  """(feature, "skew" or "drift", Measurement) for every measurement, sorted by feature."""
  out = []
  for info in anomalies.drift_skew_info:
    feature = ".".join(info.path.step)
    out += [(feature, "skew", m) for m in info.skew_measurements]
    out += [(feature, "drift", m) for m in info.drift_measurements]
  return sorted(out, key=lambda t: t[0])  # Stable: skew before drift within a feature.


def anomalies_html(anomalies, title="Anomalies"):
  """An HTML page of an Anomalies proto: anomalies by feature, then skew and drift measurements.

  Args:
    anomalies: An anomalies_pb2.Anomalies, as the validator writes it.
    title: The page's title.

  Returns:
    A self-contained HTML document: inline CSS, no scripts, no external resources.
  """
  body = []
  if anomalies.data_missing:
    body.append('<p class="missing-high">Data missing: the dataset had no examples.</p>\n')
  if anomalies.anomaly_info:
    body.append("<h2>Feature anomalies (%d)</h2>\n" % len(anomalies.anomaly_info))
    body.append(_anomaly_rows(sorted(anomalies.anomaly_info.items())))
  if anomalies.HasField("dataset_anomaly_info"):
    body.append("<h2>Dataset anomalies</h2>\n")
    body.append(_anomaly_rows([("(dataset)", anomalies.dataset_anomaly_info)]))
  if not anomalies.anomaly_info and not anomalies.HasField("dataset_anomaly_info"):
    body.append('<p class="ok">No anomalies found.</p>\n')
  measurements = _measurements(anomalies)
  if measurements:
    rows = []
    for feature, kind, m in measurements:
      exceeded = m.value > m.threshold
      rows.append('<tr%s><td>%s</td><td>%s</td><td>%s</td><td class="n">%s</td>'
                  '<td class="n">%s</td><td>%s</td></tr>' % (
                      ' class="exceeded"' if exceeded else "", _esc(feature), kind,
                      _esc(_enum_name(_Measurement.Type, m.type)), _num(m.value),
                      _num(m.threshold), "exceeded" if exceeded else "within"))
    body.append("<h2>Skew and drift</h2>\n<table><tr><th>feature</th><th>comparison</th>"
                "<th>measurement</th><th>value</th><th>threshold</th><th>status</th></tr>"
                "%s</table>\n" % "".join(rows))
  return _page(title, "".join(body))


def anomalies_text(anomalies):
  """A plain-text summary of an Anomalies proto, one line per anomaly and per measurement.

  Lines are "<feature>: <SEVERITY> <short_description>: <description>" sorted by feature (the
  dataset-level anomaly first, as "(dataset)"), then "<feature>: skew|drift <TYPE> = <value>
  (threshold <threshold>)", with " EXCEEDED" appended when the value is over the threshold.
  "No anomalies found." stands in for the anomaly lines when there are none.
  """
  lines = ["Data missing."] if anomalies.data_missing else []
  items = sorted(anomalies.anomaly_info.items())
  if anomalies.HasField("dataset_anomaly_info"):
    items.insert(0, ("(dataset)", anomalies.dataset_anomaly_info))
  for feature, info in items:
    lines.append("%s: %s %s: %s" % (feature, _enum_name(_AnomalyInfo.Severity, info.severity),
                                    info.short_description, info.description))
  if not items:
    lines.append("No anomalies found.")
  for feature, kind, m in _measurements(anomalies):
    lines.append("%s: %s %s = %.4g (threshold %.4g)%s" % (
        feature, kind, _enum_name(_Measurement.Type, m.type), m.value, m.threshold,
        " EXCEEDED" if m.value > m.threshold else ""))
  return "\n".join(lines)
