"""Read departments' exports row by row, whatever their format and encoding, without losing a row.

Every record comes out as a ``Record`` with its line number in the file and its fields as
strings, or with a ``problem`` when the record itself is broken (wrong field count, undecodable
bytes, invalid JSON): such a record is quarantined by the caller, never dropped. Files are
streamed: memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from creditgraph.exc import InputError

FORMATS = ("csv", "tsv", "xlsx", "jsonl")

# Chinese exports carry very long free-text fields (judgment texts, business scope).
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_SAMPLE = 1 << 20


@dataclass(slots=True)
class Record:
    """One input record: its line in the file, its fields, and what is wrong with it, if anything."""

    line: int
    values: dict[str, str]
    problem: str | None = None


def detect_format(path: Path) -> str:
    """csv, tsv, xlsx or jsonl, from the file name (``x.gbk.tsv`` is tsv)."""
    suffixes = [s.lower().lstrip(".") for s in path.suffixes]
    for suffix in reversed(suffixes):
        if suffix in ("csv", "txt"):
            return "csv"
        if suffix == "tsv":
            return "tsv"
        if suffix in ("xlsx", "xlsm"):
            return "xlsx"
        if suffix in ("jsonl", "ndjson"):
            return "jsonl"
    raise InputError(f"cannot tell the format of {path.name!r}", file=str(path),
                     hint="name it .csv, .tsv, .xlsx or .jsonl, or give `format:` in the mapping")


def detect_encoding(path: Path) -> str:
    """utf-8-sig (BOM), utf-8 or gb18030, from the first megabyte of the file.

    GB18030 is a superset of GBK and GB2312, which is what departments' Windows tools write.
    """
    with open(path, "rb") as fh:
        sample = fh.read(_SAMPLE)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # Cut at the last newline so that a multi-byte character split by the sample is not blamed.
    cut = sample.rfind(b"\n") if len(sample) == _SAMPLE else len(sample)
    body = sample[: cut if cut > 0 else len(sample)]
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        body.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        pass
    # A few bad bytes in an otherwise good file: keep the encoding that fits almost all of it
    # (the rows holding the bad bytes are quarantined), rather than a code page that decodes
    # everything into nonsense without complaint.
    best = min(("utf-8", "gb18030"), key=lambda enc: body.decode(enc, errors="replace").count("\ufffd"))
    bad = body.decode(best, errors="replace").count("\ufffd")
    if bad <= max(4, len(body) // 1000):
        return best
    from charset_normalizer import from_bytes

    guess = from_bytes(body).best()
    if guess is None:
        raise InputError("cannot tell the text encoding", file=str(path),
                         hint="pass --encoding (utf-8 or gb18030)")
    return guess.encoding


def check_encoding(name: str, path: Path) -> str:
    """``name`` if Python knows the codec, else a one-line InputError."""
    try:
        codecs.lookup(name)
    except LookupError:
        raise InputError(f"unknown text encoding {name!r}", file=str(path),
                         hint="use utf-8, utf-8-sig or gb18030") from None
    return name


class Utf8Stream(io.RawIOBase):
    """A binary file in any encoding, read as UTF-8, bad bytes replaced by U+FFFD.

    pyarrow's CSV reader wants UTF-8 and stops at the first bad byte; this lets it read every
    row, and the rows holding a replacement character are quarantined by the loader.
    """

    def __init__(self, path: Path, encoding: str, chunk: int = 1 << 22) -> None:
        super().__init__()
        self._fh = open(path, "rb")
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        # UTF-8 input that is valid passes through as it is: decoding and encoding again cost
        # more than reading the CSV (about a second per 500 MB).
        self._utf8 = codecs.lookup(encoding).name == "utf-8"
        self._carry = b""
        self._chunk = chunk
        self._buffer = b""
        self._eof = False
        #: whether any byte could not be decoded
        self.replaced = False
        #: whether the text so far holds the ASCII unit separator (see run._raw_hashes)
        self.unit_separator = False

    def readable(self) -> bool:
        return True

    def _convert(self, raw: bytes) -> bytes:
        if self._utf8:
            data = self._carry + raw
            cut = len(data) if self._eof else _complete_utf8(data)
            head, self._carry = data[:cut], data[cut:]
            if _is_utf8(head):
                # A U+FFFD in the input reads as a replaced byte, as through the decoder.
                if b"\xef\xbf\xbd" in head:
                    self.replaced = True
                return head
            # Whole characters only: decoded on their own, as the incremental decoder would.
            text = head.decode("utf-8", errors="replace")
        else:
            text = self._decoder.decode(raw, final=self._eof)
        if "\ufffd" in text:
            self.replaced = True
        return text.encode("utf-8")

    def readinto(self, target) -> int:
        while not self._buffer and not self._eof:
            raw = self._fh.read(self._chunk)
            self._eof = not raw
            self._buffer = self._convert(raw)
            if not self.unit_separator and b"\x1f" in self._buffer:
                self.unit_separator = True
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8 (checked by arrow in C, no Python string made)."""
    offsets = pa.array([0, len(data)], pa.int32()).buffers()[1]
    try:
        pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(data)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _complete_utf8(data: bytes) -> int:
    """The length of ``data`` without a UTF-8 character cut off at its end."""
    n = len(data)
    for back in range(1, min(4, n) + 1):
        lead = data[n - back]
        if lead & 0xC0 == 0x80:
            continue  # a continuation byte: look further back for the lead
        need = 2 if lead & 0xE0 == 0xC0 else 3 if lead & 0xF0 == 0xE0 else 4 if lead & 0xF8 == 0xF0 else 1
        return n - back if back < need else n
    return n


def _clean_header(names: list[str]) -> list[str]:
    out = []
    for i, name in enumerate(names):
        name = (name or "").replace("\ufeff", "").strip()
        out.append(name or f"column_{i + 1}")
    seen: dict[str, int] = {}
    for i, name in enumerate(out):
        if name in seen:
            seen[name] += 1
            out[i] = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
    return out


def iter_records(path: Path, *, fmt: str | None = None, encoding: str | None = None,
                 delimiter: str | None = None, sheet: str | None = None) -> Iterator[Record]:
    """Yield every record of ``path``; header names are stripped and made unique."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", file=str(path), hint=f"use one of {FORMATS}")
    if fmt == "xlsx":
        yield from _iter_xlsx(path, sheet)
        return
    enc = check_encoding(encoding or detect_encoding(path), path)
    # errors="replace" keeps reading past a bad byte; the row that holds it is quarantined.
    try:
        text = open(path, encoding=enc, errors="replace", newline="")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    with text:
        if fmt == "jsonl":
            yield from _iter_jsonl(text)
        else:
            yield from _iter_delimited(text, "\t" if fmt == "tsv" else (delimiter or ","), path)


def _iter_delimited(text: io.TextIOBase, delimiter: str, path: Path) -> Iterator[Record]:
    # Tab-separated exports do not quote: a field that starts with " is just text there.
    reader = csv.reader(text, delimiter=delimiter,
                        quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputError(f"unreadable header: {exc}", file=str(path), line=1) from None
    names = _clean_header(header)
    width = len(names)
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            last_line = reader.line_num
            yield Record(start, {}, f"malformed:{exc}")
            continue
        last_line = reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # a blank line is not a record
        problem = None
        if len(fields) != width:
            problem = f"field_count:expected {width}, got {len(fields)}"
        values = dict(zip(names, fields))
        if len(fields) > width:
            values["_extra"] = delimiter.join(fields[width:])
        if problem is None and any("\ufffd" in f for f in fields):
            problem = "encoding:undecodable bytes"
        yield Record(start, values, problem)


def _iter_jsonl(text: io.TextIOBase) -> Iterator[Record]:
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record(number, {"_raw": line.rstrip("\n")}, f"malformed:invalid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            yield Record(number, {"_raw": line.rstrip("\n")}, "malformed:not a JSON object")
            continue
        values = {str(k).strip(): _text(v) for k, v in obj.items()}
        problem = "encoding:undecodable bytes" if "\ufffd" in line else None
        yield Record(number, values, problem)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _iter_xlsx(path: Path, sheet: str | None) -> Iterator[Record]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InputError(f"not a readable Excel workbook ({exc})", file=str(path)) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(f"no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})",
                             file=str(path))
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        try:
            header = next(rows)
        except StopIteration:
            return
        names = _clean_header([_text(h) for h in header])
        for number, cells in enumerate(rows, start=2):
            if cells is None or all(c is None or str(c).strip() == "" for c in cells):
                continue
            values = {}
            for name, cell in zip(names, cells):
                if hasattr(cell, "isoformat"):
                    cell = cell.isoformat()[:10] if getattr(cell, "hour", 0) == 0 else cell.isoformat()
                values[name] = _text(cell)
            yield Record(number, values)
    finally:
        book.close()
