"""The monitor's dashboard: one self-contained HTML page over every finalized window (the
validation reports' style: inline CSS and SVG, no external resources).

Per feature, the skew and drift distances over the windows with their thresholds dashed, the
windows that alerted marked, and the served model versions along the time axis; first, the
features that drifted most, and the table of alerts.
"""

from tfx_core.monitoring._windows import alerts
from tfx_core.proto.anomalies_pb2 import AnomalyInfo
from tfx_core.validation._report import _esc, _page

_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 640, 170, 52, 12, 10, 34
_SERIES = {"skew": "#4e79a7", "drift": "#f28e2b"}
_ALERT = "#e15759"


def _label(window, index):
  return window.start.strftime("%m-%d %H:%M:%S") if window.start else "#%d" % index


def _chart(feature, history):
  """An SVG line chart of the feature's distances, one line per (kind, measurement)."""
  n = len(history)
  lines, top = {}, 0.0
  for i, window in enumerate(history):
    for kind, measured in window.distances.get(feature, {}).items():
      for name, (value, threshold) in measured.items():
        lines.setdefault((kind, name), []).append((i, value, threshold))
        top = max(top, value, threshold)
  top = top * 1.1 or 1.0
  x = lambda i: _LEFT + (i + 0.5) * (_W - _LEFT - _RIGHT) / max(n, 1)  # noqa: E731
  y = lambda v: _TOP + (1 - v / top) * (_H - _TOP - _BOTTOM)  # noqa: E731
  out = ['<svg width="%d" height="%d" role="img" aria-label="%s distances">' % (
      _W, _H, _esc(feature))]
  out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#999"/>' % (
      _LEFT, y(0), _W - _RIGHT, y(0)))
  for v in (0, top / 2, top):
    out.append('<text x="%d" y="%.1f" font-size="10" text-anchor="end">%.3g</text>' % (
        _LEFT - 4, y(v) + 3, v))
  # Served versions: a tick label wherever the versions change.
  shown = None
  for i, window in enumerate(history):
    versions = ",".join(map(str, window.model_versions))
    if versions != shown:
      out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#ccc" '
                 'stroke-dasharray="2,2"/>' % (x(i), _TOP, x(i), y(0)))
      out.append('<text x="%.1f" y="%d" font-size="10">v%s</text>' % (
          x(i) + 2, _H - 20, _esc(versions)))
      shown = versions
  for i in sorted({0, n - 1}):
    out.append('<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%s</text>' % (
        x(i), _H - 6, _esc(_label(history[i], i))))
  for (kind, name), points in sorted(lines.items()):
    colour = _SERIES[kind]
    out.append('<polyline fill="none" stroke="%s" stroke-width="1.6" points="%s">'
               '<title>%s %s</title></polyline>' % (
                   colour, " ".join("%.1f,%.1f" % (x(i), y(v)) for i, v, _ in points),
                   kind, _esc(name)))
    out.append('<polyline fill="none" stroke="%s" stroke-dasharray="5,3" points="%s"/>' % (
        colour, " ".join("%.1f,%.1f" % (x(i), y(t)) for i, _, t in points)))
    for i, v, t in points:
      if v > t:
        out.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>window %s: %s %s '
                   '%.4g &gt; %.4g</title></circle>' % (
                       x(i), y(v), _ALERT, _esc(_label(history[i], i)), kind, _esc(name), v, t))
  out.append("</svg>")
  return "".join(out)


def dashboard_html(model_name, history):
  """The page for `history`, the finalized windows in order."""
  features = sorted({f for w in history for f in w.distances})
  worst = {}
  for feature in features:
    ratios = [v / t for w in history for measured in w.distances.get(feature, {}).values()
              for v, t in measured.values() if t > 0]
    worst[feature] = max(ratios, default=0.0)
  raised = [(i, w, a) for i, w in enumerate(history) for a in alerts(w)]
  span = ("%s to %s" % (_label(history[0], 0), _label(history[-1], len(history) - 1))
          if history else "no window yet")
  versions = sorted({v for w in history for v in w.model_versions})
  subtitle = "%d windows, %d rows, %s; served versions %s" % (
      len(history), sum(w.rows for w in history), span, ", ".join(map(str, versions)) or "none")
  body = ["<h2>Features by their largest distance over its threshold</h2><table><tr>"
          "<th>feature</th><th>max distance / threshold</th><th>windows alerting</th></tr>"]
  for feature in sorted(features, key=lambda f: -worst[f]):
    count = len({i for i, _, a in raised if a[1] == feature and a[0] != "schema"})
    body.append('<tr><td><a href="#f-%s">%s</a></td><td class="n">%.3g</td>'
                '<td class="n">%d</td></tr>' % (_esc(feature), _esc(feature), worst[feature],
                                                count))
  body.append("</table><h2>Alerts</h2>")
  if raised:
    body.append("<table><tr><th>window</th><th>kind</th><th>feature</th><th>severity</th>"
                "<th>description</th></tr>")
    for i, window, (kind, feature, description, severity) in raised:
      body.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
          _esc(_label(window, i)), kind, _esc(feature), AnomalyInfo.Severity.Name(severity),
          _esc(description)))
    body.append("</table>")
  else:
    body.append("<p>None.</p>")
  body.append('<h2>Distances per window</h2><p class="subtitle"><span style="color:%s">skew'
              '</span> (training baseline against the window) and <span style="color:%s">'
              'drift</span> (the window against the one before); dashed: thresholds; red: '
              'above them.</p>' % (_SERIES["skew"], _SERIES["drift"]))
  for feature in sorted(features, key=lambda f: -worst[f]):
    body.append('<div class="feature" id="f-%s"><h3>%s</h3>%s</div>' % (
        _esc(feature), _esc(feature), _chart(feature, history)))
  return _page("Monitoring: %s" % model_name, subtitle, "", "".join(body), "")
