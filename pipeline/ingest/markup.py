"""Markup removal: YAML front matter, HTML tags and entities, Markdown inline syntax.

Block-level HTML tags (``<p>``, ``<br>``, ``<div>``, ``<li>``, ...) become paragraph breaks; inline
tags (``<span>``, ``<a>``, ``<strong>``, ...) vanish without a break, so a word split by a link
(``基本医疗<a>保险</a>``) comes out whole. Only the names of real HTML elements are treated as tags,
so ``<http://...>`` autolinks and stray ``<`` in text are left alone. Every rule is local (it looks
at the match only), which is what lets :func:`pipeline.ingest.normalise_fragment` reproduce it.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from html.entities import html5

import yaml

from pipeline.ingest.pieces import Piece, Replacement, drop, rewrite

log = logging.getLogger(__name__)

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "title",
        "tr",
        "ul",
        "br",
        "caption",
    ]
)
CELL_TAGS = frozenset({"td", "th"})
INLINE_TAGS = frozenset(
    [
        "a",
        "abbr",
        "acronym",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "img",
        "input",
        "ins",
        "kbd",
        "label",
        "mark",
        "meta",
        "link",
        "nobr",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
        "button",
        "select",
        "option",
        "textarea",
        "picture",
        "source",
        "video",
        "audio",
        "iframe",
        "embed",
        "object",
        "param",
        "svg",
        "path",
        "o:p",
    ]
)
_TAG_NAMES = "|".join(sorted(BLOCK_TAGS | CELL_TAGS | INLINE_TAGS, key=len, reverse=True))

COMMENT = re.compile(r"<!--.*?-->|<!DOCTYPE[^<>]*>|<\?xml[^<>]*\?>", re.DOTALL | re.IGNORECASE)
HIDDEN_BLOCK = re.compile(
    r"<(script|style|head|noscript|template)\b[^<>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE
)
TAG = re.compile(rf"</?({_TAG_NAMES})(?=[\s/>])[^<>]*>", re.IGNORECASE)
# A tag opened but never closed (``<p class="x`` at the end of a line): malformed HTML.
BROKEN_TAG = re.compile(rf"</?(?:{_TAG_NAMES})(?=[\s/])[^<>\n]*(?=\n|<|\Z)", re.IGNORECASE)
ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# An entity whose "&" was lost to mojibake ("?ldquo;") -- only well-known names.
LOST_AMP_ENTITY = re.compile(r"\?(ldquo|rdquo|lsquo|rsquo|mdash|ndash|hellip|middot|nbsp|quot);")
AUTOLINK = re.compile(r"<((?:https?|ftp)://[^<>\s]+|www\.[^<>\s]+)>")
MD_IMAGE = re.compile(r"!\[[^\[\]\n]*\]\([^()\n]*\)")
MD_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\n]*\)")
MD_EMPHASIS = re.compile(r"\*\*")  # "__" is left alone: runs of "_" are fill-in blanks

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_KEY_VALUE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")
HTML_TITLE = re.compile(r"<title\b[^<>]*>(.*?)</title\s*>", re.DOTALL | re.IGNORECASE)


@dataclass
class FrontMatter:
    """YAML front matter of a Markdown post: where the body starts and the fields it states."""

    body_start: int = 0
    fields: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_front_matter(raw: str) -> FrontMatter:
    """Find a leading ``---`` block; broken YAML degrades to ``key: value`` lines with a warning.

    >>> raw = '---\\ntitle: "规划"\\ndate: 2022-05-20\\n---\\n正文'
    >>> fm = parse_front_matter(raw)
    >>> fm.fields["title"], fm.fields["date"], raw[fm.body_start:]
    ('规划', '2022-05-20', '正文')
    """
    result = FrontMatter()
    if not re.match(r"---[ \t]*\r?\n", raw):
        return result
    match = FRONT_MATTER.match(raw)
    if match:
        block, result.body_start = match.group(1), match.end()
        try:
            loaded = yaml.load(block, Loader=yaml.BaseLoader)  # every value stays a string
        except yaml.YAMLError as exc:
            first = str(exc).splitlines()[0] if str(exc) else "syntax error"
            result.warnings.append(
                f"front matter is not valid YAML ({first}); read key: value lines"
            )
            loaded = None
        except RecursionError:  # PyYAML composes nested collections recursively
            result.warnings.append(
                "front matter nests too deeply to read as YAML; read key: value lines"
            )
            loaded = None
        if isinstance(loaded, dict):
            result.fields = {
                str(k): str(v).strip()
                for k, v in loaded.items()
                if isinstance(v, (str, int, float))
            }
            return result
        if loaded is not None:
            result.warnings.append("front matter is not a mapping; read key: value lines")
        lines = block.splitlines()
    else:
        # Opened but never closed: the key: value lines right after the opening "---".
        lines = []
        for line in raw.splitlines()[1:]:
            if not _KEY_VALUE.match(line):
                break
            lines.append(line)
        result.body_start = len("\n".join(raw.splitlines()[: len(lines) + 1])) + 1
        result.warnings.append(
            f"front matter opened by '---' is never closed; took {len(lines)} key: value lines"
        )
    for line in lines:
        kv = _KEY_VALUE.match(line)
        if kv:
            result.fields[kv.group(1)] = _unquote(kv.group(2))
    return result


def html_title(raw: str) -> str | None:
    """The text of an HTML ``<title>`` element, if any.

    >>> html_title("<html><title> 医疗 &amp; 卫生 </title></html>")
    '医疗 & 卫生'
    """
    match = HTML_TITLE.search(raw)
    if not match:
        return None
    title = html.unescape(re.sub(r"<[^<>]*>", "", match.group(1)))
    return re.sub(r"\s+", " ", title).strip() or None


def _tag(match: re.Match[str]) -> Replacement:
    name = match.group(1).lower()
    if name in BLOCK_TAGS:
        return "\n"
    if name in CELL_TAGS:
        return " "
    return ""


def _entity(match: re.Match[str]) -> Replacement:
    return html.unescape(match.group(0))


def _lost_amp_entity(match: re.Match[str]) -> Replacement:
    return html5.get(match.group(1) + ";", match.group(0))


def _link_text(match: re.Match[str]) -> Replacement:
    # One unit piece: offsets inside a link's text map to the whole link.
    return match.group(1)


def strip_markup(pieces: list[Piece], warnings: list[str] | None = None) -> list[Piece]:
    """Remove HTML and Markdown syntax from ``pieces``, keeping the text they carry."""
    pieces = rewrite(pieces, COMMENT, drop)
    pieces = rewrite(pieces, HIDDEN_BLOCK, drop)
    pieces = rewrite(pieces, AUTOLINK, lambda m: m.group(1))
    pieces = rewrite(pieces, TAG, _tag)
    if warnings is not None:
        broken = [m.group(0) for m in BROKEN_TAG.finditer("".join(p.text for p in pieces))]
        if broken:
            warnings.append(
                f"malformed HTML: {len(broken)} unclosed tag(s) dropped, first {broken[0][:40]!r}"
            )
    pieces = rewrite(pieces, BROKEN_TAG, drop)
    pieces = rewrite(pieces, ENTITY, _entity)
    pieces = rewrite(pieces, LOST_AMP_ENTITY, _lost_amp_entity)
    pieces = rewrite(pieces, MD_IMAGE, drop)
    pieces = rewrite(pieces, MD_LINK, _link_text)
    pieces = rewrite(pieces, MD_EMPHASIS, drop)
    return pieces
