"""Values written as Cypher literals that FalkorDB reads back exactly.

Two paths put values into statement text instead of parameters: the bulk load's final ``UNWIND``
statements (over the Redis protocol, :mod:`.bulk`) and ad hoc read-only queries, whose parameters
travel in the ``CYPHER k=v`` prefix of ``GRAPH.RO_QUERY`` (:mod:`.read`). Strings are single-quoted
with ``\\`` and ``'`` escaped; floats are written ``(m * 2.0 ^ e)`` (FalkorDB parses float text in
single precision, see :mod:`.codec`), except in the ``CYPHER`` prefix, which takes literals only
(an expression there is a syntax error, measured): floats are written as Python's shortest repr
there. What cannot round-trip (NUL in a string, nan, infinities, -0.0, an integer beyond 64 bits,
a map key that is not a plain identifier) is refused.
"""

from __future__ import annotations

import math
import re

from pipeline.errors import DatabaseError
from pipeline.graphdb.falkordb.codec import binary_parts

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_INT64 = range(-(2**63), 2**63)


class UnwritableValue(DatabaseError):
    """A value or name that has no exact Cypher literal (or bulk encoding) on FalkorDB."""


def cypher_literal(value: object, *, exact_floats: bool = True) -> str:
    """``value`` as a Cypher literal FalkorDB reads back exactly (floats as plain decimals without
    ``exact_floats``, for the ``CYPHER`` prefix).

    >>> cypher_literal(["it's", 2, 0.5, True, None])
    "['it\\\\'s', 2, (1 * 2.0 ^ -1), true, null]"
    >>> cypher_literal([0.5], exact_floats=False)
    '[0.5]'
    >>> cypher_literal({"k": "a\\\\b"})
    "{k: 'a\\\\\\\\b'}"
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if value not in _INT64:
            raise UnwritableValue(f"integer {value} does not fit 64 bits")
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value) or (value == 0 and math.copysign(1.0, value) < 0):
            raise UnwritableValue(f"no exact Cypher literal for the float {value!r}")
        if not exact_floats:
            return repr(value)
        mantissa, exponent = binary_parts(value)
        return f"({mantissa} * 2.0 ^ {exponent})"
    if isinstance(value, str):
        if "\0" in value:
            raise UnwritableValue("a string holding NUL cannot be written in a statement")
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v, exact_floats=exact_floats) for v in value) + "]"
    if isinstance(value, dict):
        items = (
            f"{plain_name(k)}: {cypher_literal(v, exact_floats=exact_floats)}"
            for k, v in value.items()
        )
        return "{" + ", ".join(items) + "}"
    raise UnwritableValue(f"no Cypher literal for a {type(value).__name__} value")


def plain_name(name: object) -> str:
    """``name`` if it is a plain identifier (a map key or parameter name), else UnwritableValue.

    >>> plain_name("deadline_year")
    'deadline_year'
    """
    if not isinstance(name, str) or not _KEY.match(name):
        raise UnwritableValue(f"bad name {name!r}", hint="use letters, digits and _")
    return name
