"""The API's JSON parser: a body that cannot be read is refused in plain words (422, never a 500).

DRF's own parser raises past its error handling on a body nested thousands deep (RecursionError), names a byte-order
mark a parse error, and words its refusals as Python's. This one:

- skips a UTF-8 byte-order mark at the start;
- reads bytes that are not UTF-8 as lone surrogates ("surrogateescape"), so that in a batch only the record holding
  them is refused, naming the field (`joinedup.ingest.limits`), and the others are stored;
- refuses NaN and Infinity (not JSON), a number of more than 4,300 digits and nesting too deep to read.

It is a subclass of DRF's JSONParser, so DRF still reads the body through `request.body`, which keeps Django's
`DATA_UPLOAD_MAX_MEMORY_SIZE` (answered 413 by `joinedup.api.errors`).
"""

from __future__ import annotations

import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON value")


class JSONParser(parsers.JSONParser):
    """JSON bodies, refused (ParseError: 422 naming the body) rather than raising when they cannot be read."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        text = raw.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
        try:
            return json.loads(text, parse_constant=_constant)
        except json.JSONDecodeError as exc:
            raise ParseError(f"the body is not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})") from None
        except RecursionError:
            raise ParseError("the body is nested too deeply to read (lists and objects within each other); a record "
                             "is nested at most 16 deep") from None
        except ValueError as exc:
            if "is not a JSON value" in str(exc):  # NaN, Infinity, -Infinity
                raise ParseError(f"the body is not valid JSON ({exc})") from None
            raise ParseError("the body holds a number too long to read (more than 4,300 digits)") from None

