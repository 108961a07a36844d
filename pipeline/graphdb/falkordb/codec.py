"""FalkorDB's row form: a part's rows travel as one string that the statement text splits.

FalkorDB writes parameters into the query text and parses them back as Cypher (see
:mod:`pipeline.graphdb.dialect`); list and map literals cost more to pack (PackStream) and to
parse than one long string. Measured on 75 rows ``[int, str, {k: v, n: int}]``, as a list vs as
one string: ``RETURN size($x)`` 2.19 vs 0.55 ms with the driver's pure-Python PackStream, 0.80
vs 0.49 ms with ``neo4j-rust-ext``; ``MERGE`` of them 2.98 vs 1.04 ms, 1.34 vs 0.95 ms. The
string is also denser (no map keys, quotes or brackets per row), so more rows fit in a ~4 KB
statement: loading 300 bench documents takes 2 228 statements instead of 2 555, and 7.4 s
instead of 8.5 s (the server's writes take most of the rest). Neo4j keeps list rows.

Rows are joined by ``\\x1e``, fields by ``\\x1f``, items of a string list by ``\\x1d`` (the
separators travel as the parameters ``$rs``, ``$fs``, ``$ls``: statement texts hold no string
literals). A uri is two fields, its prefix index and suffix (``$pre[toInteger(w[0])] + w[1]``).
A node part's rows share one *signature* (property key → kind), so its text builds the property
map once per row, e.g. ``WITH w, {heading: w[2], ordinal: toInteger(w[3])} AS p``.

Each kind round-trips exactly:

- ``str`` as is; ``int`` in decimal, read with ``toInteger`` (exact over 64 bits);
  ``bool`` as ``true``/``false``, read with ``toBoolean``;
- ``float`` as two integer fields ``m``, ``e`` with value ``m·2**e``, read with
  ``toInteger(m) * 2.0 ^ toInteger(e)``. FalkorDB's ``toFloat`` parses single precision
  (``'0.1'`` gives 0.10000000149011612) and a float parameter is written ``%f`` (1e-7 arrives as
  0.0), so neither is used;
- a non-empty list of ``str``, items joined and read with ``split``.

Anything else (other or mixed lists, an empty list, an int beyond 64 bits, nan, ±inf, -0.0, a
string or uri holding a separator or NUL, a key that is not a plain identifier) has no signature:
that row travels in the literal form, as lists and maps (:func:`props_signature` returns None),
where its floats keep that form's ``%f`` precision.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass

ROW_SEPARATOR = "\x1e"
FIELD_SEPARATOR = "\x1f"
ITEM_SEPARATOR = "\x1d"
#: Shared parameters of every statement holding text rows.
SEPARATOR_PARAMS = {"rs": ROW_SEPARATOR, "fs": FIELD_SEPARATOR, "ls": ITEM_SEPARATOR}

_UNSAFE = re.compile("[\x00\x1c-\x1f]")  # separators (\x1c spare) and NUL (cuts the text)
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INT64 = range(-(2**63), 2**63)


def safe_text(text: str) -> bool:
    """Whether ``text`` can be a field of a text row.

    >>> safe_text("卫健委 'a'\\n"), safe_text("a\\x1fb")
    (True, False)
    """
    return not _UNSAFE.search(text)


def binary_parts(value: float) -> tuple[int, int]:
    """``(m, e)`` with ``value == m * 2**e`` exactly and ``m`` odd (or 0): ``|m| < 2**53``.

    >>> binary_parts(0.1), binary_parts(65.0), binary_parts(-2.5)
    ((3602879701896397, -55), (65, 0), (-5, -1))
    """
    numerator, denominator = value.as_integer_ratio()  # reduced; the denominator a power of 2
    zeros = (numerator & -numerator).bit_length() - 1 if numerator else 0
    return numerator >> zeros, zeros - (denominator.bit_length() - 1)


class Kind(str, enum.Enum):
    """How one property value travels in a text row."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    STR_LIST = "str_list"

    @property
    def width(self) -> int:
        """Fields a value of this kind takes."""
        return 2 if self is Kind.FLOAT else 1

    def fields(self, value: object) -> list[str]:
        """``value`` as fields (a value whose :func:`value_kind` is this kind).

        >>> Kind.FLOAT.fields(0.5), Kind.BOOL.fields(False), Kind.STR_LIST.fields(["a", "b"])
        (['1', '-1'], ['false'], ['a\\x1db'])
        """
        if self is Kind.FLOAT:
            return [str(part) for part in binary_parts(value)]  # type: ignore[arg-type]
        if self is Kind.BOOL:
            return ["true" if value else "false"]
        if self is Kind.STR_LIST:
            return [ITEM_SEPARATOR.join(value)]  # type: ignore[arg-type]
        return [str(value)]

    def read(self, index: int) -> str:
        """The Cypher expression rebuilding the value from the fields ``w[index]…``.

        >>> Kind.FLOAT.read(3)
        'toInteger(w[3]) * 2.0 ^ toInteger(w[4])'
        """
        field = f"w[{index}]"
        if self is Kind.INT:
            return f"toInteger({field})"
        if self is Kind.FLOAT:
            return f"toInteger({field}) * 2.0 ^ toInteger(w[{index + 1}])"
        if self is Kind.BOOL:
            return f"toBoolean({field})"
        if self is Kind.STR_LIST:
            return f"split({field}, $ls)"
        return field


def value_kind(value: object) -> Kind | None:
    """The kind ``value`` travels as in a text row, or None if it must travel as a literal.

    >>> value_kind(3), value_kind(True), value_kind(["a"]), value_kind([1]), value_kind(-0.0)
    (<Kind.INT: 'int'>, <Kind.BOOL: 'bool'>, <Kind.STR_LIST: 'str_list'>, None, None)
    """
    if isinstance(value, bool):
        return Kind.BOOL
    if isinstance(value, int):
        return Kind.INT if value in _INT64 else None
    if isinstance(value, float):
        negative_zero = value == 0 and math.copysign(1.0, value) < 0
        return Kind.FLOAT if math.isfinite(value) and not negative_zero else None
    if isinstance(value, str):
        return Kind.STR if safe_text(value) else None
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return Kind.STR_LIST if all(safe_text(v) for v in value) else None
    return None


Signature = tuple[tuple[str, Kind], ...]


def props_signature(props: dict) -> Signature | None:
    """``(key, kind)`` of each property in order, or None if one must travel as a literal.

    >>> props_signature({"heading": "任务", "ordinal": 3})
    (('heading', <Kind.STR: 'str'>), ('ordinal', <Kind.INT: 'int'>))
    >>> props_signature({"note": "a\\x1eb"}) is None
    True
    """
    signature = []
    for key, value in props.items():
        kind = value_kind(value)
        if kind is None or not _KEY.match(key):
            return None
        signature.append((key, kind))
    return tuple(signature)


@dataclass(frozen=True)
class TextRows:
    """The layout of a part's text rows: ``uris`` leading uri fields (prefix index, suffix),
    then the values of ``props`` (None: no property map, as for relationships)."""

    uris: int
    props: Signature | None = None

    def source(self) -> str:
        """The clauses turning ``$rows`` into one ``w`` (the fields) per row, and ``p`` (the
        property map) for a node part.

        >>> TextRows(1, (("ordinal", Kind.INT),)).source().split(" WITH ")[1:]
        ['split(l, $fs) AS w', 'w, {ordinal: toInteger(w[2])} AS p']
        """
        unwind = "UNWIND split($rows, $rs) AS l WITH split(l, $fs) AS w"
        if self.props is None:
            return unwind
        entries, index = [], 2 * self.uris
        for key, kind in self.props:
            entries.append(f"{key}: {kind.read(index)}")
            index += kind.width
        return f"{unwind} WITH w, {{{', '.join(entries)}}} AS p"

    @staticmethod
    def uri(position: int) -> str:
        """The expression of the ``position``-th uri of a row.

        >>> TextRows.uri(1)
        '$pre[toInteger(w[2])] + w[3]'
        """
        return f"$pre[toInteger(w[{2 * position}])] + w[{2 * position + 1}]"

    def encode(self, row: list) -> str:
        """One row's text from the row in the literal form: each uri as (prefix index, suffix),
        then the property map (whose signature is ``props``).

        >>> rows = TextRows(1, (("n", Kind.INT), ("alt", Kind.STR_LIST)))
        >>> rows.encode([0, "t/1", {"n": 7, "alt": ["a", "b"]}])
        '0\\x1ft/1\\x1f7\\x1fa\\x1db'
        """
        head = 2 * self.uris
        texts = [str(field) for field in row[:head]]
        if self.props is not None:
            for (_key, kind), value in zip(self.props, row[head].values(), strict=True):
                texts += kind.fields(value)
        return FIELD_SEPARATOR.join(texts)


@dataclass(frozen=True)
class ListRows:
    """The literal form (Neo4j, and FalkorDB rows without a signature): each row a list of uri
    fields (prefix index, suffix), then, with ``props``, the property map."""

    props: bool = False

    def source(self) -> str:
        """The clauses naming each row ``w`` and, with ``props``, its property map ``p``.

        >>> ListRows(props=True).source()
        'UNWIND $rows AS w WITH w, w[2] AS p'
        """
        return "UNWIND $rows AS w" + (" WITH w, w[2] AS p" if self.props else "")

    @staticmethod
    def uri(position: int) -> str:
        """The expression of the ``position``-th uri of a row.

        >>> ListRows.uri(0)
        '$pre[w[0]] + w[1]'
        """
        return f"$pre[w[{2 * position}]] + w[{2 * position + 1}]"
