"""Reading examples: formats, spans and versions, stable hash splits (ExampleGen's parts)."""

from tfx_core.data._input_patterns import Resolved, resolve
from tfx_core.data._readers import (BAD_ROWS, FORMATS, BadRow, InputError, format_of,
                                    parse_examples, read_file, unify)
from tfx_core.data._splits import bucket_splits, split_table

__all__ = [
    "BAD_ROWS", "FORMATS", "BadRow", "InputError", "Resolved", "bucket_splits", "format_of",
    "parse_examples", "read_file", "resolve", "split_table", "unify",
]
