"""Reports of statistics and anomalies: self-contained HTML pages and a plain-text summary.

The counterpart of TFDV's visualize_statistics and display_anomalies (Facets Overview), without
Facets: each page is one HTML string with inline CSS, inline SVG charts and a small inline
script, no external resources, so it opens the same in a browser, a notebook's HTML output or
an artifact viewer, offline. Without the script everything is still shown: the histogram view
switch is CSS only; sorting and filtering features need the script and stay hidden without it.
Every string that comes from data (feature names, values, labels, descriptions) is escaped.
"""

import html
import math
import zlib

from tfx_core.proto import anomalies_pb2, statistics_pb2
from tfx_core.validation._validate import _jensen_shannon

_AnomalyInfo = anomalies_pb2.AnomalyInfo
_Measurement = anomalies_pb2.DriftSkewInfo.Measurement
_FeatureType = statistics_pb2.FeatureNameStatistics.Type
_STANDARD = statistics_pb2.Histogram.STANDARD
_QUANTILES = statistics_pb2.Histogram.QUANTILES

_ABSENT = "\u2014"  # Em dash: the cell of a feature a dataset does not have.
_NO_VALUES = '<td class="none">no values</td>'
_TOP_VALUES_CHARTED = 10
_LABEL_CHARS = 22  # Top-value labels are cut to this many characters in the charts.
# Tableau 10: distinct in colour and in lightness, so overlaid series stay apart. The usual
# split names have fixed colours; other labels take one of the rest by a hash of the label.
_SPLIT_COLOURS = {"train": "#4e79a7", "eval": "#f28e2b", "serving": "#59a14f"}
_HASHED_COLOURS = ("#e15759", "#76b7b2", "#b07aa1", "#9c755f", "#ff9da7", "#edc948", "#bab0ac")
# Histogram views: (value of the switch, its label, caption). "linear" is shown first.
_VIEWS = (("linear", "linear", "equal-width buckets"),
          ("log", "log", "equal-width buckets, logarithmic height"),
          ("quantiles", "quantiles", "value at each quantile: x is the share of values"))
# Chart geometry in pixels: size, margins, and the width of an end bar (infinite values or a
# cut tail) outside the axis.
_W, _H, _LEFT, _RIGHT, _BOTTOM, _END = 346, 150, 58, 8, 16, 26

_VIEW_CSS = ",\n".join("body:has(input[name=view][value=%s]:checked) .v-%s" % (checked, hidden)
                       for checked, _, _ in _VIEWS for hidden, _, _ in _VIEWS
                       if checked != hidden) + " { display: none; }\n"
_CSS = """
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       margin: 0 1.5em 1.5em; overflow-wrap: anywhere; }
h1 { font-size: 1.5em; margin: .6em 0 .1em; } .subtitle { color: #555; margin: 0 0 .6em; }
h2 { font-size: 1.25em; margin-top: 1.2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin: 0 0 .4em; } h3 .kind, h3 .distance { color: #777;
     font-weight: normal; } h3 .distance { margin-left: .6em; }
table { border-collapse: collapse; margin: .3em 0 .8em; overflow-wrap: normal; }
th, td { border: 1px solid #ddd; padding: 3px 8px; vertical-align: top; }
th { background: #f4f4f4; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.v { max-width: 16em; overflow-wrap: anywhere; } td.none { color: #888; font-style: italic; }
.scroll { max-width: 100%; overflow-x: auto; }
.feature { margin: 0 0 1.2em; padding: .6em .8em; border: 1px solid #e4e4e4; border-radius: 4px;
           scroll-margin-top: 6em; }
.body, .charts { display: flex; flex-wrap: wrap; gap: 1em 1.2em; align-items: flex-start; }
.body > * { min-width: 0; max-width: 100%; }
figure { margin: 0; } figcaption { font-size: 12px; color: #555; max-width: 340px; }
.key { display: inline-block; width: .8em; height: .8em; margin-right: .3em; border-radius: 2px; }
.legend { font-size: 12px; } .legend span.item { margin-right: 1em; white-space: nowrap; }
.missing { background: #fff3cd; } .missing-high { background: #f8d7da; }
tr.error td { background: #f8d7da; } tr.warning td { background: #fff3cd; }
tr.exceeded td { background: #f8d7da; font-weight: bold; }
.ok { color: #2e7d32; font-weight: bold; }
.controls { position: sticky; top: 0; z-index: 1; background: #fff; padding: .4em 0;
            border-bottom: 1px solid #ccc; display: flex; flex-wrap: wrap; gap: .3em 1.5em;
            align-items: center; font-size: 13px; }
.controls label { white-space: nowrap; } .controls input[type=search] { width: 14em; }
nav { margin: .6em 0; } nav .group { display: flex; flex-wrap: wrap; gap: .2em .4em; }
nav .group-name { font-weight: bold; margin-right: .2em; }
nav a.exceeded { background: #f8d7da; font-weight: bold; }
nav a { padding: 0 .3em; border-radius: 3px; background: #f1f4f8; text-decoration: none;
        max-width: 100%; }
ul.reasons { margin: 0; padding-left: 1.2em; }
svg { display: block; } svg text { font: 10px system-ui, sans-serif; fill: #444; }
svg text.halo { stroke: #fff; stroke-width: 3px; paint-order: stroke; }
[hidden] { display: none !important; }
"""

# Sorts and filters every [data-name] child of each .sortable box, by the sort select's key
# (name ascending, other keys descending) and the filter's text; hides emptied groups.
_SCRIPT = """
(function () {
  var bar = document.getElementById("sort-filter");
  if (!bar) return;
  bar.hidden = false;
  var filter = bar.querySelector("input"), sort = bar.querySelector("select");
  function key(el) {
    return sort.value === "name" ? el.dataset.name : -parseFloat(el.dataset[sort.value]);
  }
  function compare(a, b) {
    var x = key(a), y = key(b);
    if (x === y) { x = a.dataset.name; y = b.dataset.name; }
    return x < y ? -1 : x > y ? 1 : 0;
  }
  function apply() {
    var text = filter.value.toLowerCase();
    document.querySelectorAll(".sortable").forEach(function (box) {
      var items = Array.prototype.slice.call(box.querySelectorAll(":scope > [data-name]"));
      items.sort(compare).forEach(function (el) {
        el.hidden = el.dataset.name.toLowerCase().indexOf(text) < 0;
        box.appendChild(el);
      });
      var group = box.closest(".group");
      if (group) group.hidden = !box.querySelector(":scope > [data-name]:not([hidden])");
    });
    var all = document.querySelectorAll("section[data-name]");
    bar.querySelector(".shown").textContent = document.querySelectorAll(
        "section[data-name]:not([hidden])").length + " of " + all.length + " features";
  }
  filter.addEventListener("input", apply);
  sort.addEventListener("change", apply);
  apply();
})();
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


def _short(x, digits=4):
  """An axis label: `digits` significant digits, exponents from 1e5 up (1.48e9, not
  1,483,116,300)."""
  if not math.isfinite(x) or (abs(x) < 1e5 and digits == 4):
    return _num(x)
  text = "{:.{}g}".format(x, digits if abs(x) < 1e5 else digits - 1)
  return text.replace("e+0", "e").replace("e+", "e")


def _ends(lo, hi):
  """Labels of an axis' two ends, with as many digits as it takes to tell them apart."""
  digits = next((d for d in range(4, 7) if _short(lo, d) != _short(hi, d)), 7)
  return _short(lo, digits), _short(hi, digits)


def _short_pct(share):
  """An axis label of a share: 93%, 0.27%, 0.0083%."""
  return "%.0f%%" % (100 * share) if share >= 0.1 else "{:.2g}%".format(100 * share)


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


def _colours(labels):
  """{label: colour}, the same for a label in every report: fixed for train, eval and serving,
  else by a hash of the label (the next free colour where two labels of one report clash)."""
  out = {label: _SPLIT_COLOURS[label] for label in labels if label in _SPLIT_COLOURS}
  for label in sorted(set(labels) - set(out)):
    start = zlib.crc32(label.encode("utf-8")) % len(_HASHED_COLOURS)
    ring = _HASHED_COLOURS[start:] + _HASHED_COLOURS[:start]
    out[label] = next((c for c in ring if c not in out.values()), ring[0])
  return out


def _key(colour):
  return '<span class="key" style="background:%s"></span>' % colour


def _legend(series):
  return '<div class="legend">%s</div>' % "".join(
      '<span class="item">%s%s</span>' % (_key(colour), _esc(label)) for label, colour, _ in series)


def _controls(series, views, sorts):
  """The sticky bar: legend, the histogram view switch (CSS only, when `views`) and, when
  `sorts` ((value, label) pairs), sorting and filtering (hidden until the script runs)."""
  out = ['<div class="controls">', _legend(series) if series else ""]
  if views:
    out.append('<span>histograms: %s</span>' % " ".join(
        '<label><input type="radio" name="view" value="%s"%s> %s</label>' % (
            value, " checked" if i == 0 else "", label)
        for i, (value, label, _) in enumerate(_VIEWS)))
  if sorts:
    out.append('<span id="sort-filter" hidden><label>sort by <select>%s</select></label> '
               '<input type="search" placeholder="filter feature names" aria-label="filter">'
               ' <span class="shown"></span></span>' % "".join(
                   '<option value="%s">%s</option>' % s for s in sorts))
  out.append("</div>\n")
  return "".join(out)


def _page(title, subtitle, controls, body, script):
  subtitle = '<p class="subtitle">%s</p>\n' % _esc(subtitle) if subtitle else ""
  return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
          '<meta name="viewport" content="width=device-width, initial-scale=1">'
          "<title>%s</title><style>%s%s</style></head><body>\n<h1>%s</h1>\n%s%s%s%s</body>"
          "</html>\n" % (_esc(title), _CSS, _VIEW_CSS, _esc(title), subtitle, controls, body,
                         "<script>%s</script>\n" % script if script else ""))


# Statistics.

def _stats_of(feature):
  """The feature's statistics message (num_stats, string_stats, ...), or None if none is set."""
  kind = feature.WhichOneof("stats")
  return getattr(feature, kind) if kind else None


def _missing_share(common):
  total = common.num_missing + common.num_non_missing
  return common.num_missing / total if total else 0.0


def _missing(common):
  """Cell text and highlight class for a CommonStatistics or WeightedCommonStatistics."""
  share = _missing_share(common)
  cls = "missing-high" if share > 0.5 else "missing" if share > 0 else None
  number = _count if isinstance(common.num_missing, int) else _num
  return "%s (%s)" % (number(common.num_missing),
                      _pct(common.num_missing, common.num_missing + common.num_non_missing)), cls


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
# Rows that describe values: "no values" for a feature that has none, rather than zeros.
_OF_VALUES = {"mean", "std dev", "zeros", "min", "median", "max", "unique", "avg length",
              "top value", "top frequency", "weighted mean", "weighted std dev",
              "weighted median", "weighted top value", "weighted top frequency"}


def _has_values(s):
  return s.common_stats.num_non_missing > 0


def _columns(datasets):
  """(label, colour, DatasetFeatureStatistics) per column: each list's datasets, slices after."""
  labelled = []
  for label, stats_list in datasets:
    # An empty list still gets its column, so the page says the dataset had nothing.
    slices = list(stats_list.datasets) or [statistics_pb2.DatasetFeatureStatistics()]
    labelled += [(str(label) if i == 0 else "%s / %s" % (label, dataset.name), dataset)
                 for i, dataset in enumerate(slices)]
  colours = _colours([label for label, _ in labelled])
  return [(label, colours[label], dataset) for label, dataset in labelled]


def _header(columns):
  rows = []
  for label, colour, dataset in columns:
    weighted = _num(dataset.weighted_num_examples) if dataset.weighted_num_examples else ""
    rows.append('<tr><td>%s%s</td><td>%s</td><td class="n">%s</td><td class="n">%s</td></tr>' % (
        _key(colour), _esc(label), _esc(dataset.name), _count(dataset.num_examples), weighted))
  return ('<div class="scroll"><table><tr><th>dataset</th><th>name</th><th>examples</th>'
          "<th>weighted examples</th></tr>%s</table></div>\n" % "".join(rows))


def _cell(row, label, s):
  name, cell, _ = row
  if s is None:
    return '<td class="missing-high" title="absent from %s">%s</td>' % (_esc(label), _ABSENT)
  if name in _OF_VALUES and not _has_values(s):
    return _NO_VALUES
  value = cell(s)
  text, cls = value if isinstance(value, tuple) else (value or _ABSENT, None)
  return '<td class="%s">%s</td>' % (cls, text) if cls else '<td class="n">%s</td>' % text


def _table(rows, columns, feature_stats, kind):
  """One row per statistic, one column per dataset; absent features are red dashes."""
  weighted = any(s is not None and _has_weighted(s) for s in feature_stats)
  if kind == "num_stats" and any(s is not None and s.weighted_numeric_stats.histograms
                                 for s in feature_stats):
    rows = rows + (_WEIGHTED_MEDIAN,)
  out = ['<div class="scroll"><table><tr><th></th>']
  out += ["<th>%s%s</th>" % (_key(colour), _esc(label)) for label, colour, _ in columns]
  out.append("</tr>")
  for row in rows:
    if row[2] and not weighted:
      continue
    out.append("<tr><th>%s</th>%s</tr>" % (row[0], "".join(
        _cell(row, label, s) for (label, _, _), s in zip(columns, feature_stats))))
  out.append("</table></div>")
  return "".join(out)


# Histograms: every numeric chart comes in the three _VIEWS, one <svg> each; CSS shows the one
# the switch selects. A series is (label, colour, NumericStatistics); a chart's `context` is the
# series its axes must fit (more than the series drawn when charts stand side by side).

def _histogram(s, kind):
  return next((h for h in s.histograms if h.type == kind), None) if s is not None else None


def _split(h):
  """(finite buckets as (low, high, count), count at -inf, count at +inf) of a histogram."""
  finite, low, high = [], 0.0, 0.0
  for b in h.buckets:
    count = max(_finite(b.sample_count), 0.0)
    if math.isfinite(b.low_value) and math.isfinite(b.high_value):
      finite.append((b.low_value, b.high_value, count))
    elif b.low_value < 0 and not math.isfinite(b.low_value):
      low += count
    else:
      high += count
  return finite, low, high


def _svg(label, parts):
  return '<svg width="%d" height="%d" role="img" aria-label="%s">%s</svg>' % (
      _W, _H, label, "".join(parts))


def _rect(x, y, w, h, colour, opacity, tip):
  return ('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="%s">'
          "<title>%s</title></rect>" % (x, y, max(w, 1), h, colour, opacity, _esc(tip)))


def _text(x, y, anchor, text):
  return '<text x="%.1f" y="%.1f" text-anchor="%s">%s</text>' % (x, y, anchor, _esc(text))


def _label(x, y, text, colour):
  """A label over bars: in the series' colour, on a white halo."""
  return ('<text x="%.1f" y="%.1f" text-anchor="middle" class="halo" style="fill:%s">%s</text>'
          % (x, y, colour, _esc(text)))


def _axis(x0, x1, y, dashed=False):
  return '<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#888"%s/>' % (
      x0, y, x1, y, ' stroke-dasharray="3 3"' if dashed else "")


def _height_scale(values, log, plot_h):
  """(value -> bar height, [(value, height)] to label on the y axis) of linear or log bars."""
  top = max(values)
  if not log:
    return (lambda v: v / top * plot_h), [(top, plot_h), (0, 0)]
  floor = min(v for v in values if v > 0) / 2  # The smallest bar keeps a visible height.
  span = math.log(top / floor)

  def height(v):
    return math.log(v / floor) / span * plot_h if v > 0 else 0.0

  ticks = [(top, plot_h)] + ([(floor * 2, height(floor * 2))] if floor * 2 < top else [])
  return height, ticks


def _equal_width_svg(series, context, log):
  """Overlaid STANDARD histograms; infinite values as end bars outside the axis. Shares of each
  dataset when the context has several, counts for one. Empty string when nothing to draw."""
  share = len(context) > 1

  def bars(h):
    finite, low, high = _split(h)
    total = (sum(c for _, _, c in finite) + low + high) if share else 1.0
    total = total or 1.0  # An empty histogram: zeros, not a division by zero.
    return [(lo, hi, c / total) for lo, hi, c in finite], low / total, high / total

  every = [bars(h) for _, _, h in context]
  values = [v for finite, low, high in every for v in [c for _, _, c in finite] + [low, high]]
  if max(values, default=0.0) <= 0:
    return ""
  bounds = [v for finite, _, _ in every for lo, hi, _ in finite for v in (lo, hi)]
  lo, hi = (min(bounds), max(bounds)) if bounds else (0.0, 0.0)
  single = hi <= lo  # Every value equal: one bar in the middle, labelled with the value.
  if single:
    lo, hi = lo - 0.5, hi + 0.5
  base, plot_h = _H - _BOTTOM, _H - _BOTTOM - 8
  left = _LEFT + (_END if any(low for _, low, _ in every) else 0)
  right = _W - _RIGHT - (_END if any(high for _, _, high in every) else 0)
  height, ticks = _height_scale(values, log, plot_h)
  shown, tick = ((lambda v: _pct(v, 1)), _short_pct) if share else (_num, _short)
  opacity = "0.5" if len(series) > 1 else "0.85"

  def x(v):
    return left + (v - lo) / (hi - lo) * (right - left)

  out = []
  for label, colour, h in series:
    finite, low, high = bars(h)
    for b_lo, b_hi, v in finite:
      x0, x1 = x(b_lo), x(b_hi)
      if x1 - x0 < 4:  # A bucket of one value: wide enough to see and to hover.
        x0, x1 = (x0 + x1) / 2 - 3, (x0 + x1) / 2 + 3
      out.append(_rect(x0, base - height(v), x1 - x0 - 0.5, height(v), colour, opacity,
                       "%s: [%s, %s]: %s" % (label, _num(b_lo), _num(b_hi), shown(v))))
    for v, x0, name in ((low, _LEFT + 2, "-inf"), (high, right + 4, "inf")):
      if v:
        out.append(_rect(x0, base - height(v), _END - 6, height(v), colour, opacity,
                         "%s: %s: %s" % (label, name, shown(v))))
  out.append(_axis(left, right, base))
  if single and bounds:
    out.append(_text((left + right) / 2, base + 12, "middle", _short(lo + 0.5)))
  elif bounds:
    low_label, high_label = _ends(lo, hi)
    out.append(_text(left, base + 12, "start", low_label))
    out.append(_text(right, base + 12, "end", high_label))
  if left > _LEFT:
    out.append(_text(_LEFT + _END / 2, base + 12, "middle", "-inf"))
  if right < _W - _RIGHT:
    out.append(_text(right + _END / 2 + 1, base + 12, "middle", "inf"))
  for v, h in ticks:
    out.append(_text(_LEFT - 4, base - h + 3, "end", tick(v)))
  return _svg("histogram, %s" % ("log" if log else "linear"), out)


def _quantile_columns(h):
  """(share before, share after, low, high) per bucket of a QUANTILES histogram."""
  total = sum(max(_finite(b.sample_count), 0.0) for b in h.buckets)
  out, done = [], 0.0
  for b in h.buckets if total else ():
    count = max(_finite(b.sample_count), 0.0)
    out.append((done / total, (done + count) / total, b.low_value, b.high_value))
    done += count
  return out


def _core(columns):
  """Finite bounds of the quantile buckets but an outlying tail: a first or last bucket wider
  than twice all the others together is cut at the axis' end, so the rest keeps its shape."""
  finite = [(lo, hi) for _, _, lo, hi in columns if math.isfinite(lo) and math.isfinite(hi)]
  if len(finite) >= 3:
    if finite[-1][1] - finite[-1][0] > 2 * (finite[-1][0] - finite[0][0]):
      finite = finite[:-1]
    if finite[0][1] - finite[0][0] > 2 * (finite[-1][1] - finite[0][1]):
      finite = finite[1:]
  return [v for bounds in finite for v in bounds]


def _quantiles_svg(series, context):
  """The quantile function of each series (x: share of values, y: value), as floating bars
  from each quantile bucket's low to its high value; a bar whose bound lies off the axis (an
  infinite value or a cut tail) ends at the edge, labelled with that bound."""
  every = [_quantile_columns(h) for _, _, h in context]
  bounds = [v for columns in every for v in _core(columns)]
  if not bounds:
    return ""
  lo, hi = min(bounds), max(bounds)
  single = hi <= lo  # Every value equal: a line in the middle, labelled with the value.
  if single:
    lo, hi = lo - 0.5, hi + 0.5
  cut_high = any(b_hi > hi for columns in every for _, _, _, b_hi in columns)
  cut_low = any(b_lo < lo for columns in every for _, _, b_lo, _ in columns)
  # A row of cut-bound labels per series above the plot; cut bars end in a band past the axis.
  top, base, band = 4 + 10 * len(context), _H - _BOTTOM, 8
  y_hi, y_lo = top + (band if cut_high else 0), base - (band if cut_low else 0)
  left, right = _LEFT, _W - _RIGHT
  opacity = "0.5" if len(series) > 1 else "0.85"

  def y(v):
    if v > hi:
      return top
    if v < lo:
      return base
    return y_lo - (v - lo) / (hi - lo) * (y_lo - y_hi)

  out = []
  for label, colour, h in series:
    row = next(j for j, c in enumerate(context) if c[0] == label)
    for c0, c1, b_lo, b_hi in _quantile_columns(h):
      x0, x1 = left + c0 * (right - left), left + c1 * (right - left)
      y0, y1 = y(b_hi), y(b_lo)
      if y1 - y0 < 2:  # Every value of the bucket equal: a line, not nothing.
        y0, y1 = (y0 + y1) / 2 - 1, (y0 + y1) / 2 + 1
      out.append(_rect(x0, y0, x1 - x0 - 0.5, y1 - y0, colour, opacity, "%s: %s\u2013%s: [%s, %s]"
                       % (label, _pct(c0, 1), _pct(c1, 1), _num(b_lo), _num(b_hi))))
      if b_hi > hi:
        out.append(_label((x0 + x1) / 2, 10 + 10 * row, "\u2191" + _short(b_hi), colour))
      if b_lo < lo:
        out.append(_label((x0 + x1) / 2, base - 3 - 10 * row, "\u2193" + _short(b_lo), colour))
  out += [_axis(left, right, edge, dashed=True) for edge, cut in ((y_hi, cut_high),
                                                                  (y_lo, cut_low)) if cut]
  out.append(_axis(left, right, base))
  for share, anchor in ((0, "start"), (0.5, "middle"), (1, "end")):
    out.append(_text(left + share * (right - left), base + 12, anchor, _pct(share, 1)))
  if single:
    out.append(_text(left - 4, y(lo + 0.5) + 3, "end", _short(lo + 0.5)))
  else:
    low_label, high_label = _ends(lo, hi)
    out.append(_text(left - 4, y_hi + 3, "end", high_label))
    out.append(_text(left - 4, y_lo, "end", low_label))
  return _svg("quantiles", out)


def _histogram_figure(series, context=None):
  """The three views of the series' histograms, with a legend when comparing datasets."""
  context = context or series
  views = []
  for value, _, description in _VIEWS:
    kind = _QUANTILES if value == "quantiles" else _STANDARD
    drawn = [(l, c, _histogram(s, kind)) for l, c, s in series if _histogram(s, kind)]
    around = [(l, c, _histogram(s, kind)) for l, c, s in context if _histogram(s, kind)]
    svg = (_quantiles_svg(drawn, around) if value == "quantiles" else
           _equal_width_svg(drawn, around, value == "log")) if drawn else ""
    if not svg:
      has_values = any(s is not None and _has_values(s) for _, _, s in series)
      svg = "<p>%s</p>" % ("no histogram" if has_values else "no values")
    elif value != "quantiles":
      description += "; share of each dataset's values" if len(around) > 1 else "; count"
    views.append('<div class="v-%s">%s<figcaption>%s</figcaption></div>' % (
        value, svg, _esc(description)))
  nans = ["%s %s" % (label, _count(h.num_nan)) for label, _, s in series
          for h in [_histogram(s, _STANDARD)] if h is not None and h.num_nan]
  legend = _legend(series) if len(context) > 1 else ""
  nans = "<figcaption>NaN: %s</figcaption>" % _esc(", ".join(nans)) if nans else ""
  return "<figure>%s%s%s</figure>" % (legend, "".join(views), nans)


def _numeric_chart(columns, feature_stats):
  return _histogram_figure([(label, colour, s) for (label, colour, _), s
                            in zip(columns, feature_stats) if s is not None])


def _top_values_svg(colour, rows, share):
  """Horizontal bars of (value, amount) rows; amounts are shares of the dataset when `share`."""
  top = max((amount for _, amount in rows), default=0.0)
  if top <= 0:
    return ""
  row, text_w, bar_w = 16, 140, 120
  out = ['<svg width="%d" height="%d" role="img" '
         'aria-label="top values">' % (text_w + bar_w + 50, row * len(rows) + 4)]
  for i, (value, amount) in enumerate(rows):
    y = 2 + i * row
    label = value if len(value) <= _LABEL_CHARS else value[:_LABEL_CHARS - 1] + "\u2026"
    w = amount / top * bar_w
    shown = _pct(amount, 1) if share else _num(amount)
    out.append('<g><title>%s: %s</title><text x="%d" y="%d" text-anchor="end">%s</text>'
               '<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
               '<text x="%.1f" y="%d">%s</text></g>' % (
                   _esc(value), shown, text_w - 4, y + 11, _esc(label) if label else "(empty)",
                   text_w, y + 2, w, row - 4, colour, text_w + w + 3, y + 11, shown))
  out.append("</svg>")
  return "".join(out)


def _string_chart(columns, feature_stats):
  figures = []
  for (label, colour, _), s in zip(columns, feature_stats):
    rows = [(v.value, max(_finite(v.frequency), 0.0))
            for v in list(s.top_values)[:_TOP_VALUES_CHARTED]] if s is not None else []
    svg = _top_values_svg(colour, rows, False)
    if svg:
      figures.append("<figure><figcaption>%s%s: top values</figcaption>%s</figure>" % (
          _key(colour), _esc(label), svg))
  return '<div class="charts">%s</div>' % "".join(figures) if figures else ""


_GROUPS = (
    ("num_stats", "Numeric features", _NUMERIC_ROWS, _numeric_chart),
    ("string_stats", "Categorical features", _STRING_ROWS, _string_chart),
    (None, "Other features", _OTHER_ROWS, None),  # bytes and struct statistics
)


def _sort_keys(features, feature_stats):
  """(largest missing share, distance of the first two datasets) of a feature, to sort by; the
  distance is -1 where there is none (fewer datasets, absent, or types that differ)."""
  missing = max((_missing_share(s.common_stats) for s in feature_stats if s is not None),
                default=1.0)
  a, b = (features + [None, None])[:2]
  distance = _jensen_shannon(a, b) if a is not None and b is not None else None
  return missing, -1.0 if distance is None else distance


def _distance(columns, distance):
  if len(columns) < 2:
    return ""
  text = "n/a" if distance < 0 else "%.3g" % distance
  return ('<span class="distance" title="Jensen-Shannon divergence of %s and %s">JS divergence '
          "%s</span>" % (_esc(columns[0][0]), _esc(columns[1][0]), text))


def _feature(anchor, name, group, columns, features):
  """(navigation link, section) of one feature, both with the data-* keys the script sorts by."""
  kind, _, rows, chart = group
  # Stats of another kind than the group's (a feature whose type changed) count as absent.
  feature_stats = [_stats_of(f) if f is not None and (kind is None or f.HasField(kind)) else None
                   for f in features]
  missing, distance = _sort_keys(features, feature_stats)
  keys = 'data-name="%s" data-missing="%.6g" data-distance="%.6g"' % (_esc(name), missing,
                                                                      distance)
  types = sorted({_enum_name(_FeatureType, f.type) for f in features if f is not None})
  link = '<a href="#%s" %s title="missing: %s">%s</a>' % (anchor, keys, _pct(missing, 1),
                                                          _esc(name))
  section = ('<section class="feature" id="%s" %s><h3>%s <span class="kind">%s</span>%s</h3>'
             '<div class="body">%s%s</div></section>\n' % (
                 anchor, keys, _esc(name), " / ".join(types), _distance(columns, distance),
                 _table(rows, columns, feature_stats, kind),
                 chart(columns, feature_stats) if chart else ""))
  return link, section


def statistics_html(datasets, title="Statistics", subtitle=None):
  """An HTML page describing and comparing datasets' statistics, feature by feature.

  Features are grouped by kind (numeric, categorical, other), listed in a navigation bar, and
  can be sorted by name, missing share or (two or more datasets) the Jensen-Shannon divergence
  of the first two, and filtered by name.

  Args:
    datasets: (label, DatasetFeatureStatisticsList) pairs, e.g. [("train", a), ("eval", b)].
      Each list's first dataset is a column labelled `label`; further datasets (slices) are
      columns labelled "label / slice name". A label has the same colour in every report.
    title: The page's title, naming what the statistics describe (an artifact, a split): not a
      temporary path.
    subtitle: An optional line under the title (where the data came from: pipeline, run, uri).

  Returns:
    A self-contained HTML document: inline CSS, SVG and script, no external resources.
  """
  columns = _columns(datasets)
  by_name = [{_feature_name(f): f for f in dataset.features} for _, _, dataset in columns]
  groups = {kind: [] for kind, *_ in _GROUPS}
  for name in sorted(set().union(*by_name)):
    # A feature's group is its kind in the first dataset that has it.
    first = next(f[name] for f in by_name if name in f)
    kind = first.WhichOneof("stats")
    groups[kind if kind in groups else None].append(name)

  nav, sections, count = [], [], 0
  for group in _GROUPS:
    names = groups[group[0]]
    if not names:
      continue
    links, items = zip(*(_feature("f%d" % (count + i), name, group, columns,
                                  [f.get(name) for f in by_name])
                         for i, name in enumerate(names)))
    count += len(names)
    nav.append('<span class="group sortable"><span class="group-name">%s:</span>%s</span>' % (
        group[1].split()[0], "".join(links)))
    sections.append('<div class="group"><h2>%s (%d)</h2><div class="sortable">\n%s</div></div>\n'
                    % (group[1], len(items), "".join(items)))
  body = [_header(columns) if columns else "<p>No datasets.</p>\n"]
  body += ["<nav>%s</nav>\n" % "".join(nav)] + sections if nav else []
  sorts = [("name", "name"), ("missing", "missing %")]
  sorts += [("distance", "JS divergence %s vs %s" % (_esc(columns[0][0]), _esc(columns[1][0])))
            ] if len(columns) > 1 else []
  controls = _controls(columns, bool(groups["num_stats"]), sorts if count else None)
  return _page(title, subtitle, controls, "".join(body), _SCRIPT if count else "")


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
  return ('<div class="scroll"><table><tr><th>feature</th><th>severity</th>'
          "<th>short description</th><th>description</th><th>reasons</th></tr>%s</table></div>\n"
          % "".join(out))


def _measurements(anomalies):
  """(feature, "skew" or "drift", Measurement) for every measurement, sorted by feature."""
  out = []
  for info in anomalies.drift_skew_info:
    feature = ".".join(info.path.step)
    out += [(feature, "skew", m) for m in info.skew_measurements]
    out += [(feature, "drift", m) for m in info.drift_measurements]
  return sorted(out, key=lambda t: t[0])  # Stable: skew before drift within a feature.


def _measurement_rows(measurements, with_feature):
  rows = []
  for feature, kind, m in measurements:
    exceeded = m.value > m.threshold
    rows.append('<tr%s>%s<td>%s</td><td>%s</td><td class="n">%s</td><td class="n">%s</td>'
                "<td>%s</td></tr>" % (
                    ' class="exceeded"' if exceeded else "",
                    "<td>%s</td>" % _esc(feature) if with_feature else "", kind,
                    _esc(_enum_name(_Measurement.Type, m.type)), _num(m.value), _num(m.threshold),
                    "exceeded" if exceeded else "within"))
  return ('<div class="scroll"><table><tr>%s<th>comparison</th><th>measurement</th><th>value</th>'
          "<th>threshold</th><th>status</th></tr>%s</table></div>\n" % (
              "<th>feature</th>" if with_feature else "", "".join(rows)))


def _feature_of(stats_list, name):
  datasets = stats_list.datasets if stats_list is not None else ()
  return next((f for f in datasets[0].features if _feature_name(f) == name), None) \
      if datasets else None


def _aligned_top_values(sides):
  """Both sides' top values on the same rows (the first side's, then the other's), as shares."""
  values = []
  for _, _, s in sides:
    values += [v.value for v in list(s.top_values)[:_TOP_VALUES_CHARTED] if v.value not in values]
  out = []
  for label, colour, s in sides:
    frequency = {v.value: max(_finite(v.frequency), 0.0) for v in s.top_values}
    total = _tot(s.common_stats) or 1
    out.append((label, colour, [(v, frequency.get(v, 0.0) / total) for v in values]))
  return out


def _side_by_side(sides):
  """The compared datasets' distributions of one feature, next to each other on equal axes."""
  if all(s.HasField("num_stats") for _, _, s in sides):
    numeric = [(label, colour, s.num_stats) for label, colour, s in sides]
    figures = [_histogram_figure([side], numeric) for side in numeric]
  elif all(s.HasField("string_stats") for _, _, s in sides):
    strings = [(label, colour, s.string_stats) for label, colour, s in sides]
    figures = ["<figure><figcaption>%s%s: top values, share of values</figcaption>%s</figure>" % (
        _key(colour), _esc(label), _top_values_svg(colour, rows, True) or "<p>no values</p>")
        for label, colour, rows in _aligned_top_values(strings)]
  else:
    return "<p>Not comparable: the feature's type differs.</p>"
  return '<div class="charts">%s</div>' % "".join(figures)


def _comparisons(anomalies, current, others):
  """Links, then a section per compared feature and comparison (those over their threshold
  first): its measurements and both distributions.

  `current` is (label, colour, stats list); `others` maps "skew" and "drift" to the same of the
  dataset it is compared with, or None."""
  found = []
  for info in anomalies.drift_skew_info:
    name = ".".join(info.path.step)
    for kind, measured in (("skew", info.skew_measurements), ("drift", info.drift_measurements)):
      other = others[kind]
      if measured and current[2] is not None and other is not None:
        found.append((not any(m.value > m.threshold for m in measured), name, kind, other,
                      measured))
  # Ids unique per split, as pages of several splits may share one file.
  prefix = "c%x-" % zlib.crc32(current[0].encode("utf-8"))
  links, sections = [], []
  for i, (within, name, kind, other, measured) in enumerate(sorted(found, key=lambda t: t[:3])):
    sides = [(label, colour, _feature_of(stats, name)) for label, colour, stats in (current, other)]
    absent = [label for label, _, f in sides if f is None]
    charts = ("<p>Absent from %s.</p>" % _esc(", ".join(absent)) if absent else
              _side_by_side(sides))
    links.append('<a href="#%s%d"%s>%s (%s)</a>' % (
        prefix, i, "" if within else ' class="exceeded"', _esc(name), kind))
    sections.append('<section class="feature" id="%s%d"><h3>%s <span class="kind">%s: %s vs %s'
                    '</span></h3><div class="body">%s%s</div></section>\n' % (
                        prefix, i, _esc(name), kind, _esc(current[0]), _esc(other[0]),
                        _measurement_rows([(name, kind, m) for m in measured], False), charts))
  if not sections:
    return ""
  return '<nav><span class="group">%s</span></nav>\n%s' % ("".join(links), "".join(sections))


def anomalies_html(anomalies, title="Anomalies", subtitle=None, statistics=None,
                   previous_statistics=None, serving_statistics=None, split=None):
  """An HTML page of an Anomalies proto: anomalies by feature, then skew and drift measurements,
  then, given the statistics that were compared, both distributions of each compared feature.

  Args:
    anomalies: An anomalies_pb2.Anomalies, as the validator writes it.
    title: The page's title, naming what was validated (an artifact, a split).
    subtitle: An optional line under the title.
    statistics: The validated DatasetFeatureStatisticsList, or None.
    previous_statistics: The one drift was measured against (the previous span), or None.
    serving_statistics: The one skew was measured against (serving data), or None.
    split: The split name of `statistics`, its label (and colour) in the charts; "current"
      without one.

  Returns:
    A self-contained HTML document: inline CSS and SVG, no external resources.
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
    body.append("<h2>Skew and drift</h2>\n" + _measurement_rows(measurements, True))
  label = split or "current"
  named = [(label, statistics), ("previous " + label, previous_statistics),
           ("serving", serving_statistics)]
  colours = _colours([name for name, stats in named if stats is not None])
  current, previous, serving = [(name, colours.get(name), stats) for name, stats in named]
  compared = _comparisons(anomalies, current, {
      "skew": serving if serving_statistics is not None else None,
      "drift": previous if previous_statistics is not None else None})
  if compared:
    body.append("<h2>Compared distributions</h2>\n" + compared)
  legend = [side for side in (current, previous, serving) if side[2] is not None]
  controls = _controls(legend, True, None) if compared else ""
  return _page(title, subtitle, controls, "".join(body), "")


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
