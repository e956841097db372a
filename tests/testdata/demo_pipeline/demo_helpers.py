"""Local helper module imported by demo_pipeline.py: editing it must invalidate the cache."""

import csv


def read_column(path, column):
  with open(path, newline="") as f:
    return [float(row[column]) for row in csv.DictReader(f) if row[column]]
