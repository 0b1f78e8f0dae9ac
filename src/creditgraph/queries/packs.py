"""Query packs: folders of read-only Cypher queries with their metadata beside them.

The format is specified in ``docs/packs.md``. Every ``.cypher`` file opens with a YAML header in
``//`` comments; this module reads each file into a frozen :class:`PackQuery` and refuses,
with a :class:`PackError` naming the file and line, anything a supervisor should never meet
at run time: a missing or mistyped header field, an ``id`` that is not the file name, a
``$parameter`` used but not declared (or declared but unused), a path bound without its
marker, a statement that writes, a second statement, an id used twice.

    packs = load_packs()                       # cypher/packs/ plus nothing else
    query = find_query(packs, "shared_legal_rep")
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from creditgraph.exc import ConfigError
from creditgraph.queries.tokens import (
    CypherSyntaxError,
    Token,
    extra_statement,
    find_writes,
    parameters_used,
    tokenize,
)

__all__ = [
    "PARAM_TYPES", "RUNNER_PARAMETERS", "SEVERITIES", "Column", "Pack", "PackError", "PackQuery",
    "Param", "PathBound", "all_queries", "display_path", "documentation_problems", "find_query",
    "is_documented", "lint_pack_queries", "load_packs",
    "parse_query_file", "scan_packs",
]

PARAM_TYPES = ("date", "int", "float", "string", "bool", "list")
SEVERITIES = ("info", "low", "medium", "high", "critical")

#: Parameters the runner computes from the model; a statement uses them without declaring them.
RUNNER_PARAMETERS = ("blacklists", "redlists", "hub_threshold", "through_hubs")
# Of those, the one a run may set (``--param through_hubs:=true``); the others come only from
# model.yaml so that no query or run can disagree with it.
USER_SETTABLE_RUNNER_PARAMETERS = ("through_hubs",)

_HEADER_FIELDS = ("id", "title", "title_zh", "description", "severity", "parameters", "columns")
_PARAM_FIELDS = ("type", "default", "description", "min", "max", "path_bound")
_REQUIRED_FIELDS = ("id", "title", "columns")

_FENCE = re.compile(r"^\s*//\s*---\s*$")
_NAME = re.compile(r"^[^\W\d]\w*$")
_MARKER = re.compile(r"^/\*\s*([^\W\d]\w*)\s*\*/$")
# The bound before a marker: `*3`, `*..3` or `*1..3`, with the upper (or only) bound captured.
# The lower bound must be followed by `..`, so `*13` is never read as lower 1, upper 3.
_BOUND_BEFORE_MARKER = re.compile(r"\*\s*(?:(\d+)\s*\.\.\s*|(\.\.)\s*)?(\d+)\s*$")
_DOCS_HINT = "the pack format is described in docs/packs.md"


class PackError(ConfigError):
    """A pack file is malformed: names the file and line (``file:line: reason``)."""

    def __init__(self, file: str, line: int | None, reason: str, hint: str | None = _DOCS_HINT) -> None:
        self.file, self.line, self.reason = file, line, reason
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {reason}", hint=hint)


@dataclass(frozen=True)
class Param:
    """A declared parameter of a query. ``default`` None means the run must give a value.

    Defaults are stored converted (ISO date strings or ``"today"``, tuples for lists).
    """

    name: str
    type: str
    default: Any = None
    description: str = ""
    min: int | float | None = None
    max: int | float | None = None
    path_bound: bool = False
    line: int = field(default=0, compare=False)

    @property
    def required(self) -> bool:
        """Whether a run must give a value (there is no default)."""
        return self.default is None

    def convert(self, value: Any, *, today: dt.date) -> Any:
        """``value`` (from the command line, JSON or Python) as this parameter's Cypher value.

        Dates become ISO strings (``today`` becomes ``today``'s date), numbers are checked
        against ``min``/``max``, lists become lists of strings (a string is split on commas).
        Raises ValueError with the reason when the value does not fit.
        """
        kind = self.type
        if kind == "date":
            if isinstance(value, dt.datetime):
                raise ValueError("expected a date YYYY-MM-DD, not a date and time")
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, str):
                text = value.strip()
                if text.lower() == "today":
                    return today.isoformat()
                if len(text) == 10:
                    try:
                        return dt.date.fromisoformat(text).isoformat()
                    except ValueError:
                        pass
            raise ValueError(f"expected a date YYYY-MM-DD or today, got {value!r}")
        if kind == "int":
            if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"expected a whole number, got {value!r}")
            return self._in_range(value)
        if kind == "float":
            if isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    raise ValueError(f"expected a number, got {value!r}") from None
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"expected a number, got {value!r}")
            return self._in_range(float(value))
        if kind == "bool":
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered in ("true", "yes", "1"):
                    return True
                if lowered in ("false", "no", "0"):
                    return False
            if not isinstance(value, bool):
                raise ValueError(f"expected true or false, got {value!r}")
            return value
        if kind == "list":
            if isinstance(value, str):
                return [part.strip() for part in value.split(",") if part.strip()]
            if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                return list(value)
            raise ValueError(f"expected a list of strings (a,b,c or a JSON list), got {value!r}")
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {value!r} (pass text as name=value)")
        return value

    def _in_range(self, value: float) -> float:
        if self.min is not None and value < self.min:
            raise ValueError(f"{value} is below the minimum {self.min}")
        if self.max is not None and value > self.max:
            raise ValueError(f"{value} is above the maximum {self.max}")
        return value


@dataclass(frozen=True)
class Column:
    """A column the query returns, with what it holds."""

    name: str
    description: str = ""


@dataclass(frozen=True)
class PathBound:
    """A path bound written as a literal with a ``/*name*/`` marker after it.

    ``start``/``end`` are the offsets of the literal's digits in :attr:`PackQuery.cypher`;
    ``lower`` is the pattern's lower bound (None for ``*..3`` and for ``*3``, exactly 3 hops).
    """

    param: str
    start: int
    end: int
    lower: int | None
    line: int


@dataclass(frozen=True)
class PackQuery:
    """One query of a pack: its header, its Cypher text and where it came from.

    ``cypher`` is the statement as written (path bounds at their default literals); it starts
    at line ``body_line`` of ``path``, column 1.
    """

    id: str
    title: str
    title_zh: str
    description: str
    severity: str
    parameters: tuple[Param, ...]
    columns: tuple[Column, ...]
    cypher: str
    path: Path
    body_line: int
    pack: str = ""
    id_line: int = field(default=1, compare=False)
    #: every ``$name`` the statement uses, declared or supplied by the runner
    uses: frozenset[str] = frozenset()
    bounds: tuple[PathBound, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        """The declared columns' names, in RETURN order."""
        return tuple(c.name for c in self.columns)

    @property
    def runner_parameters(self) -> tuple[str, ...]:
        """The runner-supplied parameters (``$blacklists``...) this statement uses."""
        return tuple(name for name in RUNNER_PARAMETERS if name in self.uses)

    def param(self, name: str) -> Param | None:
        """The declared parameter called ``name``, or None."""
        return next((p for p in self.parameters if p.name == name), None)

    @property
    def location(self) -> str:
        """``file:line`` of the statement, for messages."""
        return f"{display_path(self.path)}:{self.body_line}"


@dataclass(frozen=True)
class Pack:
    """A folder of queries with the README that documents them."""

    name: str
    path: Path
    readme: str
    queries: tuple[PackQuery, ...]


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is under it, for short messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


# -- reading one file --------------------------------------------------------------------------


class _File:
    """Reads one query file, failing with file and line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = display_path(path)

    def fail(self, line: int | None, reason: str) -> PackError:
        return PackError(self.label, line, reason)


def _header_lines(node: yaml.Node, first_line: int, prefix: tuple[str, ...], out: dict,
                  file: _File) -> None:
    """Map each key path of the header to its file line, refusing a key given twice."""
    if not isinstance(node, yaml.MappingNode):
        return
    seen: set[str] = set()
    for key, value in node.value:
        name = str(key.value)
        line = first_line + key.start_mark.line
        if name in seen:
            where = ".".join(prefix + (name,))
            raise file.fail(line, f"header gives {where!r} twice")
        seen.add(name)
        out[prefix + (name,)] = line
        _header_lines(value, first_line, prefix + (name,), out, file)


def parse_query_file(path: str | Path, *, pack: str = "") -> PackQuery:
    """Read one ``.cypher`` query file; raise :class:`PackError` naming the line on any problem."""
    path = Path(path)
    f = _File(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise f.fail(None, "is not UTF-8 text") from None
    except OSError as exc:
        raise f.fail(None, f"cannot be read: {exc.strerror or exc}") from None
    # Split on \n only: splitlines() also breaks at \u2028 and friends, which the tokenizer does
    # not count, and line numbers would drift.
    lines = [raw.rstrip("\r") for raw in text.split("\n")]

    # The header: `// ---`, comment lines of YAML, `// ---`.
    start = next((i for i, raw in enumerate(lines) if raw.strip()), None)
    if start is None:
        raise f.fail(None, "is empty")
    if not _FENCE.match(lines[start]):
        raise f.fail(start + 1, "a query file starts with a `// ---` line that opens its YAML header")
    end = next((i for i in range(start + 1, len(lines)) if _FENCE.match(lines[i])), None)
    if end is None:
        raise f.fail(start + 1, "the YAML header opened here is never closed with `// ---`")
    yaml_lines = []
    for i in range(start + 1, end):
        raw = lines[i].lstrip()
        if not raw:
            yaml_lines.append("")
            continue
        if not raw.startswith("//"):
            raise f.fail(i + 1, "every header line must be a `//` comment")
        body = raw[2:]
        yaml_lines.append(body.removeprefix(" "))
    yaml_first_line = start + 2
    header_text = "\n".join(yaml_lines)
    try:
        node = yaml.compose(header_text, Loader=yaml.SafeLoader)
        header = yaml.safe_load(header_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = yaml_first_line + mark.line if mark is not None else start + 1
        raise f.fail(line, f"the header is not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(header, dict):
        raise f.fail(start + 1, "the header must be a YAML mapping (id: ..., title: ..., columns: ...)")
    key_lines: dict[tuple[str, ...], int] = {}
    _header_lines(node, yaml_first_line, (), key_lines, f)

    def line_of(*keys: str) -> int:
        return key_lines.get(tuple(keys), start + 1)

    unknown = [k for k in header if k not in _HEADER_FIELDS]
    if unknown:
        raise f.fail(line_of(str(unknown[0])), f"unknown header field {unknown[0]!r}; "
                                               f"allowed: {', '.join(_HEADER_FIELDS)}")
    for name in _REQUIRED_FIELDS:
        if header.get(name) in (None, "", {}, []):
            raise f.fail(start + 1, f"the header has no {name!r}")

    def text_field(name: str, *, required: bool = False) -> str:
        value = header.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise f.fail(line_of(name), f"{name!r} must be text")
        return " ".join(value.split()) if name != "description" else value.strip()

    query_id = header["id"]
    if not isinstance(query_id, str) or query_id != path.stem:
        raise f.fail(line_of("id"), f"id {query_id!r} must equal the file name without .cypher "
                                    f"({path.stem!r})")
    title = text_field("title", required=True)
    title_zh = text_field("title_zh")
    description = text_field("description")
    severity = header.get("severity", "info")
    if severity not in SEVERITIES:
        raise f.fail(line_of("severity"), f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")

    params = _parse_params(f, header.get("parameters"), line_of)
    columns = _parse_columns(f, header["columns"], line_of)

    # The statement: everything after the header, from its first non-blank line.
    body_index = next((i for i in range(end + 1, len(lines)) if lines[i].strip()), None)
    if body_index is None:
        raise f.fail(end + 1, "no Cypher statement follows the header")
    cypher = "\n".join(lines[body_index:]).rstrip() + "\n"
    body_line = body_index + 1
    try:
        tokens = tokenize(cypher, first_line=body_line)
    except CypherSyntaxError as exc:
        raise f.fail(exc.line, exc.reason) from None
    if all(t.kind == "comment" for t in tokens):
        raise f.fail(body_line, "no Cypher statement follows the header (only comments)")
    writes = find_writes(tokens)
    if writes:
        w = writes[0]
        raise f.fail(w.line, f"the statement writes ({w.word}); a pack query must be read-only")
    second = extra_statement(tokens)
    if second is not None:
        raise f.fail(second.line, "a second statement starts here; a query file holds one statement")

    used = parameters_used(tokens)
    bounds = _path_bounds(f, cypher, tokens, params)
    declared = {p.name: p for p in params}
    for name, tok in used.items():
        if name not in declared and name not in RUNNER_PARAMETERS:
            raise f.fail(tok.line, f"${name} is used but not declared under parameters")
    bounded = {b.param for b in bounds}
    for p in params:
        if p.path_bound and p.name not in bounded:
            raise f.fail(p.line, f"path_bound parameter {p.name!r} has no /*{p.name}*/ marker after a "
                                 f"path bound in the statement (write e.g. *1..{p.default}/*{p.name}*/)")
        if not p.path_bound and p.name not in used:
            raise f.fail(p.line, f"parameter {p.name!r} is declared but the statement never uses ${p.name}")

    return PackQuery(id=query_id, title=title, title_zh=title_zh, description=description,
                     severity=severity, parameters=params, columns=columns, cypher=cypher, path=path,
                     body_line=body_line, pack=pack, id_line=line_of("id"),
                     uses=frozenset(used), bounds=bounds)


def _parse_params(f: _File, raw: Any, line_of) -> tuple[Param, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise f.fail(line_of("parameters"), "'parameters' must be a mapping of name: {type: ...}")
    out = []
    for name, spec in raw.items():
        line = line_of("parameters", str(name))
        if not isinstance(name, str) or not _NAME.match(name):
            raise f.fail(line, f"parameter name {name!r} is not a valid Cypher name")
        if name in RUNNER_PARAMETERS and name not in USER_SETTABLE_RUNNER_PARAMETERS:
            raise f.fail(line, f"${name} is supplied by the runner from model.yaml; do not declare it")
        if not isinstance(spec, dict):
            raise f.fail(line, f"parameter {name!r} must be a mapping such as {{type: int, default: 10}}")
        unknown = [k for k in spec if k not in _PARAM_FIELDS]
        if unknown:
            raise f.fail(line_of("parameters", name, str(unknown[0])),
                         f"parameter {name!r}: unknown field {unknown[0]!r}; "
                         f"allowed: {', '.join(_PARAM_FIELDS)}")
        ptype = spec.get("type")
        if ptype not in PARAM_TYPES:
            raise f.fail(line_of("parameters", name, "type"),
                         f"parameter {name!r}: unknown type {ptype!r}; allowed: {', '.join(PARAM_TYPES)}")
        if name in USER_SETTABLE_RUNNER_PARAMETERS and ptype != "bool":
            raise f.fail(line, f"${name} is a runner parameter of type bool")
        description = spec.get("description") or ""
        if not isinstance(description, str):
            raise f.fail(line_of("parameters", name, "description"),
                         f"parameter {name!r}: description must be text")
        bounds = {}
        for key in ("min", "max"):
            value = spec.get(key)
            if value is None:
                continue
            if ptype not in ("int", "float"):
                raise f.fail(line_of("parameters", name, key),
                             f"parameter {name!r}: {key} is only for int and float")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    ptype == "int" and not isinstance(value, int)):
                raise f.fail(line_of("parameters", name, key), f"parameter {name!r}: {key} must be a {ptype}")
            bounds[key] = value
        if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
            raise f.fail(line, f"parameter {name!r}: min {bounds['min']} is above max {bounds['max']}")
        path_bound = spec.get("path_bound", False)
        if not isinstance(path_bound, bool):
            raise f.fail(line_of("parameters", name, "path_bound"),
                         f"parameter {name!r}: path_bound must be true or false")
        if path_bound:
            if ptype != "int" or "min" not in bounds or "max" not in bounds or spec.get("default") is None:
                raise f.fail(line, f"path_bound parameter {name!r} needs type int, min, max and a default")
            if bounds["min"] < 0:
                raise f.fail(line, f"path_bound parameter {name!r}: min must be 0 or more")
        param = Param(name=name, type=ptype, description=" ".join(description.split()),
                      min=bounds.get("min"), max=bounds.get("max"), path_bound=path_bound, line=line)
        default = spec.get("default")
        if default is not None:
            if ptype == "date" and isinstance(default, str) and default.strip().lower() == "today":
                default = "today"
            else:
                try:
                    default = param.convert(default, today=dt.date.today())
                except ValueError as exc:
                    raise f.fail(line_of("parameters", name, "default"),
                                 f"parameter {name!r}: bad default: {exc}") from None
                if isinstance(default, list):
                    default = tuple(default)
            param = Param(name=param.name, type=ptype, default=default, description=param.description,
                          min=param.min, max=param.max, path_bound=path_bound, line=line)
        out.append(param)
    return tuple(out)


def _parse_columns(f: _File, raw: Any, line_of) -> tuple[Column, ...]:
    if not isinstance(raw, dict) or not raw:
        raise f.fail(line_of("columns"), "'columns' must map each returned column to its description")
    out = []
    for name, description in raw.items():
        line = line_of("columns", str(name))
        if not isinstance(name, str) or not _NAME.match(name):
            raise f.fail(line, f"column name {name!r} is not a plain name (alias it with AS)")
        if description is not None and not isinstance(description, str):
            raise f.fail(line, f"column {name!r}: the description must be text")
        out.append(Column(name=name, description=" ".join((description or "").split())))
    return tuple(out)


def _path_bounds(f: _File, cypher: str, tokens: Sequence[Token], params: tuple[Param, ...]
                 ) -> tuple[PathBound, ...]:
    by_name = {p.name: p for p in params}
    out = []
    for tok in tokens:
        if tok.kind != "comment":
            continue
        m = _MARKER.match(tok.text)
        if not m or m.group(1) not in by_name:
            continue  # an ordinary comment
        param = by_name[m.group(1)]
        if not param.path_bound:
            raise f.fail(tok.line, f"/*{param.name}*/ marks a path bound but {param.name!r} "
                                   "is not declared with path_bound: true")
        # A bound is a few characters long; look only at the text just before the marker.
        offset = max(0, tok.start - 64)
        bound = _BOUND_BEFORE_MARKER.search(cypher, offset, tok.start)
        if bound is None:
            raise f.fail(tok.line, f"/*{param.name}*/ must follow the upper bound of a variable-length "
                                   f"pattern, e.g. *1..{param.default}/*{param.name}*/")
        literal = int(bound.group(3))
        if literal != param.default:
            raise f.fail(tok.line, f"the bound before /*{param.name}*/ is {literal}; write the "
                                   f"parameter's default {param.default} so the file lints as it runs")
        # `*..3` and `*3` (exactly that many hops) have no separate lower bound to respect.
        lower = int(bound.group(1)) if bound.group(1) is not None else None
        if lower is not None and param.min < lower:
            raise f.fail(tok.line, f"{param.name!r} has min {param.min}, below the pattern's lower "
                                   f"bound {lower}")
        out.append(PathBound(param=param.name, start=bound.start(3), end=bound.end(3), lower=lower,
                             line=tok.line))
    return tuple(out)


# -- reading folders ---------------------------------------------------------------------------


def _pack_folders(root: Path, *, builtin: bool) -> list[Path]:
    """The pack folders under ``root``: ``root`` itself if it holds queries, and its subfolders."""
    if not root.is_dir():
        if builtin:
            return []  # a fresh checkout or wheel may ship no packs yet
        raise ConfigError(f"--packs {root}: no such folder")
    folders = [root] if any(root.glob("*.cypher")) else []
    folders += sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob("*.cypher")))
    if not folders and not builtin:
        raise ConfigError(f"--packs {root}: no packs found",
                          hint="a pack is a folder with a README.md and .cypher files; see docs/packs.md")
    return folders


def scan_packs(extra_dirs: Iterable[str | Path] = (), *, include_builtin: bool = True
               ) -> tuple[tuple[Pack, ...], list[PackError]]:
    """Read every pack, collecting problems instead of stopping at the first.

    Returns the packs (holding only the queries that loaded) and every problem found, in
    folder and file order. ``packs lint`` reports them all; :func:`load_packs` raises the first.
    A missing ``--packs`` folder is not a pack problem and raises ConfigError at once.
    """
    from creditgraph import paths  # looked up at call time so tests can point it elsewhere

    roots: list[tuple[Path, bool]] = []
    if include_builtin:
        roots.append((paths.packs_dir(), True))
    roots += [(Path(d), False) for d in extra_dirs]
    folders: list[Path] = []
    seen: set[Path] = set()
    for root, builtin in roots:
        for folder in _pack_folders(root, builtin=builtin):
            resolved = folder.resolve()
            if resolved not in seen:  # the same folder given twice is one pack, not duplicates
                seen.add(resolved)
                folders.append(folder)

    packs: list[Pack] = []
    problems: list[PackError] = []
    ids: dict[str, PackQuery] = {}
    for folder in folders:
        # A missing README does not stop the queries from loading (they are sound without it);
        # `packs lint` and the docs test fail on it instead, see documentation_problems().
        try:
            readme = (folder / "README.md").read_text(encoding="utf-8-sig")
        except OSError:
            readme = ""
        queries = []
        for path in sorted(folder.glob("*.cypher")):
            try:
                query = parse_query_file(path, pack=folder.name)
            except PackError as exc:
                problems.append(exc)
                continue
            other = ids.get(query.id)
            if other is not None:
                problems.append(PackError(display_path(path), query.id_line,
                                          f"id {query.id!r} is already the id of "
                                          f"{display_path(other.path)}:{other.id_line}"))
                continue
            ids[query.id] = query
            queries.append(query)
        packs.append(Pack(name=folder.name, path=folder, readme=readme, queries=tuple(queries)))
    return tuple(packs), problems


def documentation_problems(packs: Iterable[Pack]) -> list[PackError]:
    """A pack without a README.md, and every query whose id its pack's README never mentions."""
    problems = []
    for pack in packs:
        readme = pack.path / "README.md"
        if not pack.readme.strip():
            problems.append(PackError(display_path(readme), None,
                                      "missing or empty: a pack's README.md documents its queries"))
            continue
        for query in pack.queries:
            if not is_documented(query.id, pack.readme):
                problems.append(PackError(display_path(query.path), query.id_line,
                                          f"{query.id!r} is not mentioned in {display_path(readme)}"))
    return problems


def is_documented(query_id: str, readme: str) -> bool:
    """Whether ``readme`` mentions ``query_id`` as a whole word (not inside a longer id)."""
    return re.search(rf"(?<![\w]){re.escape(query_id)}(?![\w])", readme) is not None


def load_packs(extra_dirs: Iterable[str | Path] = (), *, include_builtin: bool = True) -> tuple[Pack, ...]:
    """Load the built-in packs (``cypher/packs/``, which may be empty or missing) and ``extra_dirs``.

    Each extra folder is a pack itself when it holds ``.cypher`` files, and each of its
    subfolders holding ``.cypher`` files is a pack. Raises :class:`PackError` (a ConfigError)
    for the first malformed file, naming the file and line.
    """
    packs, problems = scan_packs(extra_dirs, include_builtin=include_builtin)
    if problems:
        first = problems[0]
        if len(problems) > 1:
            raise PackError(first.file, first.line, first.reason,
                            hint=f"{len(problems) - 1} more problem(s); "
                                 "`creditgraph packs lint` lists them all")
        raise first
    return packs


def all_queries(packs: Iterable[Pack]) -> list[PackQuery]:
    """Every query of ``packs``, pack by pack."""
    return [q for pack in packs for q in pack.queries]


def find_query(packs: Iterable[Pack], query_id: str) -> PackQuery:
    """The query called ``query_id``; ConfigError listing the known ids if there is none."""
    queries = all_queries(packs)
    for query in queries:
        if query.id == query_id:
            return query
    known = ", ".join(sorted(q.id for q in queries)) or "none (no packs loaded)"
    raise ConfigError(f"no pack query {query_id!r}", hint=f"known: {known}; `creditgraph packs list`")


def lint_pack_queries(queries: Iterable[PackQuery]) -> list[Any]:
    """Run Neo4j's linter on each query's statement, with the model's names as its schema.

    Returns :class:`~creditgraph.queries.lint.LintProblem` objects located in the query files
    (``.fails`` tells which fail). The statement is linted as written, path bounds at their
    default literals. Raises ConfigError when Node.js or the linter is not installed.
    """
    from creditgraph.model import load_model
    from creditgraph.queries.lint import lint_queries

    model = load_model()
    schema = {"labels": model.labels(), "relationshipTypes": model.relationship_types(),
              "propertyKeys": model.property_keys()}
    items = [(display_path(q.path), q.cypher, q.body_line) for q in queries]
    return lint_queries(items, schema=schema)
