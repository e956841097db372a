"""The Evaluator's self-contained HTML report: the verdict and its failed thresholds, a sortable
table of every slice's metrics (candidate, baseline and their difference side by side, failed
cells highlighted), and ROC, precision-recall and calibration plots drawn as inline SVG."""

import html
import math

from tfx_core.evaluation._evaluate import MetricKey
from tfx_core.evaluation._slicing import slice_key_proto
from tfx_core.evaluation._validate import failures_text

_CANDIDATE, _BASELINE = "#4e79a7", "#f28e2b"
_PLOTTED_SLICES = 12  # Slices whose plots are drawn (the overall one first).
_SIZE, _PAD = 220, 30
_CALIBRATION_POINTS = 20

_CSS = """
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       margin: 0 1.5em 1.5em; }
h1 { font-size: 1.5em; margin: .6em 0 .1em; } h2 { font-size: 1.2em; margin-top: 1.2em;
     border-bottom: 1px solid #ccc; }
.verdict { font-size: 1.1em; font-weight: bold; padding: .3em .6em; border-radius: 4px;
           display: inline-block; } .blessed { background: #d4edda; color: #1b5e20; }
.not-blessed { background: #f8d7da; color: #8a1c1c; }
table { border-collapse: collapse; margin: .3em 0 .8em; }
th, td { border: 1px solid #ddd; padding: 3px 8px; } th { background: #f4f4f4; cursor: pointer;
     text-align: left; } th.sorted::after { content: " \\25BE"; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.failed { background: #f8d7da; font-weight: bold; } td.base { color: #666; }
ul.failures li { color: #8a1c1c; } .scroll { max-width: 100%; overflow-x: auto; }
.plots { display: flex; flex-wrap: wrap; gap: 1em; } figure { margin: 0; }
figcaption { font-size: 12px; color: #555; } .key { display: inline-block; width: .8em;
     height: .8em; margin: 0 .3em 0 .8em; border-radius: 2px; }
svg text { font: 10px system-ui, sans-serif; fill: #444; }
"""

# Sorts the slice table by a clicked column (numbers descending, the slice name ascending).
_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th, column) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.v, y = b.cells[column].dataset.v;
      if (column === 0) return x < y ? -1 : x > y ? 1 : 0;
      return (parseFloat(y) || -Infinity) - (parseFloat(x) || -Infinity);
    });
    rows.forEach(function (r) { body.appendChild(r); });
    th.closest("tr").querySelectorAll("th").forEach(function (h) { h.className = ""; });
    th.className = "sorted";
  });
});
"""


def _esc(text):
  return html.escape(str(text))


def _num(x):
  if x is None:
    return "\u2014"
  if isinstance(x, float) and math.isnan(x):
    return "NaN"
  if float(x).is_integer() and abs(x) < 1e15:
    return "{:,}".format(int(x))
  return "%.4g" % x


def _failed_keys(validation):
  """{(slice key proto bytes, metric key name, model name, is_diff)} that failed."""
  failed = set()
  for entry in validation.metric_validations_per_slice:
    for failure in entry.failures:
      key = failure.metric_key
      failed.add((entry.slice_key.SerializeToString(), key.name, key.model_name, key.is_diff))
  return failed


def _columns(result, candidate):
  return sorted({(k.name, k.class_id, k.aggregation) for s in result.slices for k in s.metrics
                 if k.model_name == candidate and not k.is_diff},
                key=lambda c: (c[0], -1 if c[1] is None else c[1], c[2] or ""))


def _label(name, class_id, aggregation):
  return str(MetricKey(name, class_id=class_id, aggregation=aggregation))


def _table(result, candidate, baseline, validation):
  failed = _failed_keys(validation)
  columns = _columns(result, candidate)
  head = ["<th>slice</th>"]
  for name, class_id, aggregation in columns:
    label = _label(name, class_id, aggregation)
    head.append("<th>%s</th>" % _esc(label))
    if baseline is not None:
      head.append("<th>%s: baseline</th><th>%s: change</th>" % (_esc(label), _esc(label)))
  rows = []
  for s in result.slices:
    key_bytes = slice_key_proto(s.key).SerializeToString()
    cells = ['<td data-v="%s">%s</td>' % (_esc(s.name), _esc(s.name))]
    for name, class_id, aggregation in columns:
      for model, is_diff, css in ([(candidate, False, "n")] + (
          [(baseline, False, "n base"), (candidate, True, "n")] if baseline is not None else [])):
        value = s.metrics.get(MetricKey(name, model, class_id, is_diff, aggregation))
        bad = (key_bytes, name, model, is_diff) in failed
        cells.append('<td class="%s%s" data-v="%s">%s</td>' % (
            css, " failed" if bad else "", "" if value is None else value,
            ("%+.4g" % value if is_diff and value is not None else _num(value))))
    rows.append("<tr>%s</tr>" % "".join(cells))
  return ('<div class="scroll"><table class="sortable"><thead><tr>%s</tr></thead><tbody>%s'
          "</tbody></table></div>" % ("".join(head), "\n".join(rows)))


def _cross_table(result, candidate):
  """The candidate's cross-slice comparisons: each metric of a slice minus the baseline
  slice's."""
  if not result.cross_slices:
    return ""
  names = sorted({(k.name, k.class_id, k.aggregation) for c in result.cross_slices
                  for k in c.metrics if k.model_name == candidate},
                 key=lambda c: (c[0], -1 if c[1] is None else c[1], c[2] or ""))
  head = "".join("<th>%s</th>" % _esc(_label(*n)) for n in names)
  rows = []
  for c in result.cross_slices:
    cells = "".join('<td class="n" data-v="%s">%s</td>' % (
        "" if v is None else v, "\u2014" if v is None else "%+.4g" % v)
                    for v in (c.metrics.get(MetricKey(n, candidate, i, False, a))
                              for n, i, a in names))
    rows.append('<tr><td data-v="%s">%s</td>%s</tr>' % (_esc(c.name), _esc(c.name), cells))
  return ("<h2>Cross-slice comparisons</h2><p>Each metric of a slice minus the baseline "
          "slice's.</p><div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>slices"
          "</th>%s</tr></thead><tbody>%s</tbody></table></div>" % (head, "\n".join(rows)))


def _svg(title, series, x_label, y_label, diagonal=False):
  """A unit-square line chart: series is [(colour, [(x, y), ...])]."""
  inner = _SIZE - 2 * _PAD

  def px(x, y):
    return _PAD + x * inner, _SIZE - _PAD - y * inner
  parts = ['<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>' % (
      _PAD, _PAD, inner, inner)]
  if diagonal:
    (x0, y0), (x1, y1) = px(0, 0), px(1, 1)
    parts.append('<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#ccc" stroke-dasharray="4"/>' %
                 (x0, y0, x1, y1))
  for colour, points in series:
    coords = " ".join("%.1f,%.1f" % px(min(max(x, 0), 1), min(max(y, 0), 1))
                      for x, y in points if not (math.isnan(x) or math.isnan(y)))
    if coords:
      parts.append('<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>' % (
          colour, coords))
  parts.append('<text x="%d" y="%d" text-anchor="middle">%s</text>' % (
      _SIZE / 2, _SIZE - 8, _esc(x_label)))
  parts.append('<text x="10" y="%d" transform="rotate(-90 10 %d)" text-anchor="middle">%s</text>'
               % (_SIZE / 2, _SIZE / 2, _esc(y_label)))
  parts += ['<text x="%d" y="%d" text-anchor="middle">%s</text>' % (
      px(v, 0)[0], _SIZE - _PAD + 12, v) for v in (0, 1)]
  return ('<figure><svg width="%d" height="%d" role="img" aria-label="%s">%s</svg>'
          "<figcaption>%s</figcaption></figure>" % (_SIZE, _SIZE, _esc(title), "".join(parts),
                                                     _esc(title)))


def _curves(plot):
  matrices = plot.confusion_matrix_at_thresholds.matrices
  roc = [(m.false_positive_rate, m.recall) for m in matrices]
  pr = [(m.recall, m.precision) for m in matrices if not math.isnan(m.precision)]
  return roc, pr


def _calibration(plot):
  """(mean prediction, mean label) of the calibration buckets, merged into about
  _CALIBRATION_POINTS groups so sparse buckets do not draw noise."""
  buckets = plot.calibration_histogram_buckets.buckets
  group = max(1, math.ceil(len(buckets) / _CALIBRATION_POINTS))
  points = []
  for start in range(0, len(buckets), group):
    chunk = buckets[start:start + group]
    examples = sum(b.num_weighted_examples.value for b in chunk)
    if examples > 0:
      points.append((sum(b.total_weighted_refined_prediction.value for b in chunk) / examples,
                     sum(b.total_weighted_label.value for b in chunk) / examples))
  return points


def _plots(result, candidate, baseline):
  models = [(candidate, _CANDIDATE)] + ([(baseline, _BASELINE)] if baseline is not None else [])
  out = []
  for s in result.slices[:_PLOTTED_SLICES]:
    figures = []
    curves = {}
    for model, colour in models:
      for key, plot in s.plots.items():
        if key.model_name != model:
          continue
        if plot.HasField("confusion_matrix_at_thresholds"):
          roc, pr = _curves(plot)
          curves.setdefault("ROC curve", []).append((colour, roc))
          curves.setdefault("precision-recall curve", []).append((colour, pr))
        if plot.HasField("calibration_histogram_buckets"):
          curves.setdefault("calibration (label vs prediction)", []).append(
              (colour, _calibration(plot)))
    axes = {"ROC curve": ("false positive rate", "true positive rate", True),
            "precision-recall curve": ("recall", "precision", False),
            "calibration (label vs prediction)": ("mean prediction", "mean label", True)}
    for title, series in curves.items():
      x, y, diagonal = axes[title]
      figures.append(_svg("%s, %s" % (title, s.name), series, x, y, diagonal))
    if figures:
      out.append("<h3>%s</h3><div class=\"plots\">%s</div>" % (_esc(s.name), "".join(figures)))
  if not out:
    return ""
  legend = "".join('<span class="key" style="background:%s"></span>%s' % (c, _esc(m or "model"))
                   for m, c in models)
  return "<h2>Plots</h2><p>%s</p>%s" % (legend, "\n".join(out))


def evaluation_html(result, validation, candidate, title="Model evaluation", subtitle=""):
  """The report of an EvalResult and its ValidationResult, for the candidate model."""
  baseline = result.baseline_name
  blessed = validation.validation_ok
  verdict = '<p class="verdict %s">%s</p>' % (
      "blessed" if blessed else "not-blessed",
      "BLESSED" + (" (rubber stamp: no baseline yet)" if validation.rubber_stamp else "")
      if blessed else "NOT BLESSED")
  failures = failures_text(validation)
  if validation.missing_thresholds:
    failures.append("no thresholds are configured, and a model is blessed without them only "
                    "when there is no baseline")
  failure_list = ("<h2>Failed thresholds</h2><ul class=\"failures\">%s</ul>" % "".join(
      "<li>%s</li>" % _esc(f) for f in failures)) if failures else ""
  comparison = ("candidate model %r against baseline %r" % (candidate, baseline)
                if baseline is not None else "no baseline model")
  body = "%s<p>%s; %d examples; %d slices.</p>%s<h2>Metrics by slice</h2>%s%s%s" % (
      verdict, _esc(comparison), result.slice(()).example_count if any(
          s.key == () for s in result.slices) else 0, len(result.slices), failure_list,
      _table(result, candidate, baseline, validation), _cross_table(result, candidate),
      _plots(result, candidate, baseline))
  return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%s</title><style>%s"
          "</style></head><body><h1>%s</h1><p>%s</p>%s<script>%s</script></body></html>" % (
              _esc(title), _CSS, _esc(title), _esc(subtitle), body, _SCRIPT))
