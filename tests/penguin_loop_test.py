"""The continuous loop end to end: train and push v1, serve, monitor the traffic, retrain on
the logged traffic when it shifts, and push and hot-reload v2 if the Evaluator blesses it."""

from tfx_core.examples import penguin_loop


def test_the_loop_flags_the_shift_retrains_once_and_acts_on_the_evaluators_verdict(tmp_path):
  summary = penguin_loop.run_loop(str(tmp_path), window_rows=100, train_steps=100)
  windows = summary["windows"]
  shifted = "skew of %s" % penguin_loop.SHIFTED
  # 300 rows as in training, then shifted ones: flagged in the first shifted window, not before.
  assert all(shifted not in w["alerts"] for w in windows[:3]), windows
  assert summary["first_skew_window"] == 3 and summary["trigger_window"] == 3
  assert summary["retrain_runs"] == 1 and summary["retrain_returncode"] == 0, summary
  log = summary["retrain_log"]
  assert log[0].startswith("retrain: span 1: ") and "(0 without)" in log[0], log
  assert windows[0]["versions"] == [summary["first_version"]]
  assert summary["failed"] == 0 and summary["sent"] > 500
  if "blessed the new model" in log[1]:
    # Pushed, hot-reloaded under load, and the monitor's last windows are the new version's.
    assert "pushed version %d" % summary["second_version"] in log[1]
    assert windows[-1]["versions"] == [summary["second_version"]]
  else:
    # Refused, with the Evaluator's reason; the server kept serving version 1.
    assert "Evaluator refused it: [" in log[1] and "the change threshold wants" in log[1], log
    assert "Pusher did not push: the Evaluator did not bless the model" in log[1]
    assert summary["served_versions"] == [summary["first_version"]]
