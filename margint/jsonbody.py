"""JSON request bodies, read with limits: size (413), encoding and nesting depth (400).

Python's parser recurses once per level: a body nested some thousands deep raises RecursionError
(a 500 before this), and one nested hundreds deep is accepted but makes every later recursive walk
(error flattening, logging) costly. No Margint document nests deeper than a few levels, so the
depth is checked on the raw text, before parsing, at C speed: strings are blanked out, the
brackets that remain are counted.
"""

from __future__ import annotations

import json
from itertools import accumulate
from typing import Any

MAX_DEPTH = 32
# Every byte but those that open, close, quote or escape: deleted in one pass by bytes.translate.
_PLAIN = bytes(b for b in range(256) if b not in b'[]{}"\\')
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class BodyNotJson(ValueError):
    """The body cannot be taken as JSON: the message says why, for the person who sent it."""


def depth_of(body: bytes) -> int:
    """The deepest nesting of arrays and objects in `body` (0 for a scalar)."""
    # All in C: plain bytes go, then escaped backslashes and quotes; the quotes left delimit
    # strings, whose brackets are text: every other piece is outside them.
    marks = body.translate(None, _PLAIN).replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = b"".join(marks.split(b'"')[::2]).replace(b"\\", b"")
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def loads(body: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of `body`, or BodyNotJson (UTF-8 only; at most `max_depth` levels)."""
    if depth_of(body) > max_depth:
        raise BodyNotJson(f"The request body nests arrays and objects deeper than {max_depth} levels.")
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BodyNotJson("The request body is not UTF-8.")
    except (ValueError, RecursionError):
        raise BodyNotJson("The request body is not valid JSON.")
