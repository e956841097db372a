"""Entry point of every Python test target: runs pytest over the files given as arguments."""

import os
import sys

import pytest

if __name__ == "__main__":
  args = sys.argv[1:] + ["-p", "no:cacheprovider", "-q"]
  if os.environ.get("XML_OUTPUT_FILE"):
    args.append("--junitxml=" + os.environ["XML_OUTPUT_FILE"])
  sys.exit(pytest.main(args))
