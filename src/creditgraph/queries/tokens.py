"""A small Cypher tokenizer: just enough to tell code from strings and comments.

Pack files are checked statically before anything reaches an engine: which ``$parameters`` a
statement uses, whether it writes, where its path-bound markers sit. Searching the raw text
would see ``CREATE`` inside ``'CREATE A LIST'`` or a ``// do not DELETE`` comment, so the checks
work on tokens instead. This is not a parser: it knows Cypher's lexical rules (strings with
backslash escapes, backtick names, ``//`` and ``/* */`` comments, parameters) and nothing of
its grammar.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

__all__ = ["READ_ONLY_PROCEDURES", "CypherSyntaxError", "Token", "WriteClause", "code_tokens",
           "extra_statement", "find_writes", "parameters_used", "tokenize"]

# Procedures a pack may CALL: catalogue look-ups that read nothing but the schema. Names are
# compared exactly (Neo4j's are case-sensitive), so anything not written like this is refused.
READ_ONLY_PROCEDURES = frozenset({
    "db.labels",
    "db.relationshipTypes",
    "db.propertyKeys",
    "db.indexes",
    "db.constraints",
    "db.schema.visualization",
    "db.schema.nodeTypeProperties",
    "db.schema.relTypeProperties",
})

# Clauses that change the graph or its schema. DROP is not in the pack spec's list but drops
# indexes and constraints, which is a write too.
WRITE_WORDS = frozenset({"CREATE", "MERGE", "SET", "DELETE", "REMOVE", "DETACH", "FOREACH", "DROP"})


class CypherSyntaxError(ValueError):
    """The text cannot be split into tokens (an unterminated string, comment or name)."""

    def __init__(self, reason: str, line: int, column: int) -> None:
        self.reason, self.line, self.column = reason, line, column
        super().__init__(f"line {line}, column {column}: {reason}")


@dataclass(frozen=True)
class Token:
    """One lexical token.

    ``kind`` is one of ``word`` (keyword or name), ``name`` (a backtick-quoted name),
    ``param`` (``$name``; ``value`` is the name), ``string`` (``value`` is the raw text between
    the quotes), ``number``, ``comment`` (line or block) or ``punct`` (one character).
    ``start``/``end`` are offsets into the tokenized text; ``line`` and ``column`` are 1-based,
    ``column`` in characters.
    """

    kind: str
    text: str
    value: str
    line: int
    column: int
    start: int
    end: int


@dataclass(frozen=True)
class WriteClause:
    """Where a statement writes: the word (``SET``, ``LOAD CSV``, ``CALL apoc.create.node``)."""

    word: str
    line: int
    column: int


_SPACE = re.compile(r"\s+")
_LINE_COMMENT = re.compile(r"//[^\n]*")
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_STRINGS = {"'": re.compile(r"'(?:[^'\\]|\\.)*'", re.DOTALL),
            '"': re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)}
_QUOTED = re.compile(r"`(?:[^`]|``)*`")
_PARAM = re.compile(r"\$(?:`((?:[^`]|``)+)`|([^\W\d]\w*|\d+))")
# No leading sign and no leading dot: in `*1..3` the dots are punctuation, not a decimal point.
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[^\W\d]\w*")


def tokenize(text: str, *, first_line: int = 1) -> list[Token]:
    """Split Cypher ``text`` into tokens, skipping whitespace.

    ``first_line`` is the line number of the text's first line (so tokens of a statement that
    starts on line 17 of a file carry file line numbers). Raises :class:`CypherSyntaxError` on
    an unterminated string, block comment or backtick name.
    """
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def where(offset: int) -> tuple[int, int]:
        n = bisect.bisect_left(newlines, offset)
        line_start = newlines[n - 1] + 1 if n else 0
        return first_line + n, offset - line_start + 1

    tokens: list[Token] = []
    pos, size = 0, len(text)
    while pos < size:
        m = _SPACE.match(text, pos)
        if m:
            pos = m.end()
            continue
        ch = text[pos]
        kind, value = "", ""
        if text.startswith("//", pos):
            m, kind = _LINE_COMMENT.match(text, pos), "comment"
            value = m.group()[2:]
        elif text.startswith("/*", pos):
            m, kind = _BLOCK_COMMENT.match(text, pos), "comment"
            if m is None:
                raise CypherSyntaxError("unterminated /* comment", *where(pos))
            value = m.group()[2:-2]
        elif ch in _STRINGS:
            m, kind = _STRINGS[ch].match(text, pos), "string"
            if m is None:
                raise CypherSyntaxError(f"unterminated string starting with {ch}", *where(pos))
            value = m.group()[1:-1]
        elif ch == "`":
            m, kind = _QUOTED.match(text, pos), "name"
            if m is None:
                raise CypherSyntaxError("unterminated `name`", *where(pos))
            value = m.group()[1:-1].replace("``", "`")
        elif ch == "$" and _PARAM.match(text, pos):
            m, kind = _PARAM.match(text, pos), "param"
            value = (m.group(1) or "").replace("``", "`") or m.group(2)
        elif ch.isdigit():
            m, kind = _NUMBER.match(text, pos), "number"
            value = m.group()
        elif _WORD.match(text, pos):
            m, kind = _WORD.match(text, pos), "word"
            value = m.group()
        else:
            end = pos + 1
            line, column = where(pos)
            tokens.append(Token("punct", ch, ch, line, column, pos, end))
            pos = end
            continue
        line, column = where(pos)
        tokens.append(Token(kind, m.group(), value, line, column, pos, m.end()))
        pos = m.end()
    return tokens


def code_tokens(tokens: list[Token]) -> list[Token]:
    """The tokens without comments."""
    return [t for t in tokens if t.kind != "comment"]


def parameters_used(tokens: list[Token]) -> dict[str, Token]:
    """Every ``$name`` outside strings and comments, mapped to its first occurrence."""
    used: dict[str, Token] = {}
    for tok in tokens:
        if tok.kind == "param":
            used.setdefault(tok.value, tok)
    return used


def _is(tok: Token | None, kind: str, text: str | None = None) -> bool:
    return tok is not None and tok.kind == kind and (text is None or tok.text == text)


def find_writes(tokens: list[Token]) -> list[WriteClause]:
    """Every clause of the statement that could change the graph, in order.

    Words count only where they can be clauses: not as a property key (``n.set``), a label or
    relationship type (``:Delete``), a map key (``{create: 1}``), inside a string, a comment or
    a backtick name. ``CALL { ... }`` and ``CALL (x) { ... }`` are read-only subqueries whose
    contents are checked like the rest; ``CALL name.of.procedure`` is refused unless the name is
    in :data:`READ_ONLY_PROCEDURES`.
    """
    code = code_tokens(tokens)
    found: list[WriteClause] = []
    for i, tok in enumerate(code):
        if tok.kind != "word":
            continue
        prev = code[i - 1] if i else None
        nxt = code[i + 1] if i + 1 < len(code) else None
        if _is(prev, "punct", ".") or _is(prev, "punct", ":") or _is(nxt, "punct", ":"):
            continue
        word = tok.value.upper()
        if word in WRITE_WORDS:
            found.append(WriteClause(word, tok.line, tok.column))
        elif word == "LOAD" and nxt is not None and nxt.kind == "word" and nxt.value.upper() == "CSV":
            found.append(WriteClause("LOAD CSV", tok.line, tok.column))
        elif word == "CALL":
            if _is(nxt, "punct", "{") or _is(nxt, "punct", "("):
                continue
            name = _procedure_name(code, i + 1)
            if name not in READ_ONLY_PROCEDURES:
                found.append(WriteClause(f"CALL {name}".rstrip(), tok.line, tok.column))
    return found


def _procedure_name(code: list[Token], i: int) -> str:
    parts: list[str] = []
    while i < len(code) and code[i].kind in ("word", "name"):
        parts.append(code[i].value)
        if i + 1 < len(code) and _is(code[i + 1], "punct", "."):
            i += 2
        else:
            break
    return ".".join(parts)


def extra_statement(tokens: list[Token]) -> Token | None:
    """The first token of a second statement after a ``;``, or None when there is one statement."""
    code = code_tokens(tokens)
    for i, tok in enumerate(code):
        if _is(tok, "punct", ";"):
            rest = [t for t in code[i + 1:] if not _is(t, "punct", ";")]
            if rest:
                return rest[0]
    return None
