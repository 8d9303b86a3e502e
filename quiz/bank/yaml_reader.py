"""YAML as data only, with the position of every node.

We read the event stream (libyaml's C parser when present) and build plain dicts, lists and
scalars ourselves, because the usual loaders are wrong for authored files in four ways:
duplicate keys silently keep the last; aliases can expand exponentially ("billion laughs");
deep nesting exhausts the recursive composer; and YAML 1.1 turns `no`, `on` and `0755` into a
boolean and an octal number. Here duplicate keys, aliases, tags and deep nesting are reported as
problems, and plain scalars follow a strict subset of the YAML 1.2 core schema: `true`/`false`,
`null`, decimal integers without leading zeros, and decimal floats; anything else is a string.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from quiz.bank.errors import ErrorCode, Problem

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 48
# Values (keys, list items, scalars) a bank may hold: a work budget, so a pasted megabyte of
# `[1, 1, 1, …]` is refused after a few milliseconds rather than checked value by value. The
# largest shipped bank holds about 2,500.
MAX_VALUES = 20_000

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+|\.[0-9]+[eE][-+]?[0-9]+)\Z")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL = {"null", "Null", "NULL", "~", ""}
# Words YAML 1.1 reads as booleans; we keep them as strings and say so where a boolean is due.
YAML11_BOOLEANS = {w: True for w in ("y", "Y", "yes", "Yes", "YES", "on", "On", "ON")} | {
    w: False for w in ("n", "N", "no", "No", "NO", "off", "Off", "OFF")}

Path = tuple[Any, ...]


@dataclass
class Document:
    """The data of one file, where each value and key stood, and the problems met reading it."""

    data: Any = None
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    plain: set[Path] = field(default_factory=set)  # paths of unquoted scalars
    problems: list[Problem] = field(default_factory=list)

    def where(self, path: Path) -> tuple[int, int]:
        """The position of the value at `path`, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), (1, 1))

    def where_key(self, path: Path) -> tuple[int, int]:
        return self.key_positions.get(tuple(path)) or self.where(path)


def resolve_plain(text: str) -> Any:
    if text in _BOOL:
        return _BOOL[text]
    if text in _NULL:
        return None
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def read_bytes(raw: bytes, filename: str) -> Document:
    doc = Document()

    def fail(code: ErrorCode, line: int = 1, col: int = 1, **ctx: Any) -> Document:
        doc.problems.append(Problem(code, filename, line, col, ctx))
        return doc

    if len(raw) > MAX_BYTES:
        return fail(ErrorCode.FILE_002, size=len(raw), limit=MAX_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return fail(ErrorCode.FILE_003, line, col, byte=f"{raw[exc.start]:02x}")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        i = text.index("\x00")
        return fail(ErrorCode.FILE_003, text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1, byte="00")
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return fail(ErrorCode.FILE_004)
    _build(text, filename, doc)
    return doc


def read_file(path: str, display: str | None = None) -> Document:
    name = display or path
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
            if len(raw) > MAX_BYTES:  # never read a huge file whole just to refuse it
                fh.seek(0, 2)
                size = fh.tell()
                doc = Document()
                doc.problems.append(Problem(ErrorCode.FILE_002, name, 1, 1, {"size": size, "limit": MAX_BYTES}))
                return doc
    except OSError as exc:
        doc = Document()
        doc.problems.append(Problem(ErrorCode.FILE_001, name, 1, 1, {"reason": exc.strerror or str(exc)}))
        return doc
    return read_bytes(raw, name)


def _tag_name(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _build(text: str, filename: str, doc: Document) -> None:
    """Turn the event stream into data. Iterative, so depth costs no Python stack."""
    # Each frame: [container, path, pending_key, key_pos, first_key_lines]
    stack: list[list[Any]] = []
    root_set = False
    documents = 0
    values = 0

    def problem(code: ErrorCode, pos: tuple[int, int], **ctx: Any) -> None:
        doc.problems.append(Problem(code, filename, pos[0], pos[1], ctx))

    def attach(value: Any, pos: tuple[int, int], is_plain: bool = False) -> Path | None:
        """Place a finished value in its parent; return its path (None when it was dropped)."""
        nonlocal root_set
        if not stack:
            doc.data, root_set = value, True
            doc.positions[()] = pos
            return ()
        frame = stack[-1]
        container, path = frame[0], frame[1]
        if isinstance(container, list):
            p = path + (len(container),)
            container.append(value)
        else:
            if frame[2] is _NO_KEY:  # this value is a key
                if isinstance(value, (dict, list)):
                    problem(ErrorCode.SCHEMA_005, pos, where="a key", problem="keys must be plain scalars")
                    value = repr(value)
                frame[2], frame[3] = value, pos
                return None
            key, key_pos = frame[2], frame[3]
            frame[2] = _NO_KEY
            p = path + (key,)
            if key in container:
                problem(ErrorCode.YAML_002, key_pos, key=key, first_line=frame[4][key])
                return None
            container[key] = value
            frame[4][key] = key_pos[0]
            doc.key_positions[p] = key_pos
        doc.positions[p] = pos
        if is_plain:
            doc.plain.add(p)
        return p

    try:
        for event in yaml.parse(text, Loader=_Parser):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    problem(ErrorCode.YAML_007, _pos(event.start_mark))
                    break
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                continue
            pos = _pos(event.start_mark)
            if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                values += 1
                if values > MAX_VALUES:
                    problem(ErrorCode.YAML_008, pos, limit=MAX_VALUES)
                    doc.data = None
                    return
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                problem(ErrorCode.YAML_003, pos)
            tag = getattr(event, "tag", None)
            implicit = getattr(event, "implicit", True)
            explicit_tag = tag is not None and tag != "!" and not (
                implicit is True or (isinstance(implicit, tuple) and any(implicit)))
            if isinstance(event, yaml.AliasEvent):
                problem(ErrorCode.YAML_003, pos)
                attach(None, pos)
            elif isinstance(event, yaml.ScalarEvent):
                if explicit_tag:
                    problem(ErrorCode.YAML_004, pos, tag=_tag_name(tag))
                # implicit[0]: a plain scalar with no tag, the only kind we resolve to a non-string
                plain = bool(event.implicit[0]) and not explicit_tag and event.style in (None, "")
                value = resolve_plain(event.value) if plain else event.value
                attach(value, pos, plain)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if explicit_tag:
                    problem(ErrorCode.YAML_004, pos, tag=_tag_name(tag))
                if len(stack) >= MAX_DEPTH:
                    problem(ErrorCode.YAML_005, pos, limit=MAX_DEPTH)
                    doc.data = None
                    return
                container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
                parent_path = stack[-1][1] if stack else ()
                stack.append([container, None, _NO_KEY, None, {}])
                # The path is known only once the container is placed; place it now (empty, filled
                # in place), which keeps document order and positions exact.
                stack.pop()
                p = attach(container, pos)
                stack.append([container, p if p is not None else parent_path + ("<dropped>",), _NO_KEY, None, {}])
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
    except yaml.MarkedYAMLError as exc:
        what = (exc.problem or exc.context or "invalid YAML").strip()
        if "nesting depth" in what:  # libyaml's own cap (1,000) met before ours
            mark = exc.problem_mark or exc.context_mark
            problem(ErrorCode.YAML_005, _pos(mark) if mark is not None else (1, 1), limit=MAX_DEPTH)
        else:
            code, pos, ctx = diagnose_syntax_error(exc, text)
            problem(code, pos, **ctx)
        doc.data = None
    except yaml.YAMLError as exc:  # reader errors (control characters) carry no problem_mark
        line = getattr(exc, "line", 0) + 1 if hasattr(exc, "line") else 1
        problem(ErrorCode.YAML_001, (line, 1), problem=str(exc).splitlines()[0])
        doc.data = None
    except RecursionError:  # belt and braces: the C parser never recurses, the pure one might
        problem(ErrorCode.YAML_005, (1, 1), limit=MAX_DEPTH)
        doc.data = None


def diagnose_syntax_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[ErrorCode, tuple[int, int], dict[str, Any]]:
    """The parser's words, turned into what an author needs: the mistake's real place, its code,
    and how to fix it. libyaml reports where it gave up, which is often lines after the mistake:
    a quote left open is read on to the next quote in the file, and a line indented one space too
    far is read as more of the text above it; so on an error we look back over the tokens read."""
    problem_text = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    pmark, cmark = exc.problem_mark, exc.context_mark
    pos = _pos(pmark) if pmark is not None else (_pos(cmark) if cmark is not None else (1, 1))
    char = text[pmark.index] if pmark is not None and 0 <= pmark.index < len(text) else ""

    def syntax(message: str, at: tuple[int, int] = pos) -> tuple[ErrorCode, tuple[int, int], dict[str, Any]]:
        return ErrorCode.YAML_001, at, {"problem": message}

    if char == "\t" or "tab character" in problem_text:
        return syntax("a tab character; YAML indents with spaces only (replace tabs with spaces)")
    if "quoted scalar" in context and cmark is not None:  # open to the end of the file
        return ErrorCode.YAML_009, _pos(cmark), {"end_line": text.count("\n") + 1}
    unquoted = _unquoted_indicator(exc, text)
    if unquoted is not None:
        return unquoted
    last = _tokens_before(text, pos)
    opened = next((t for t in reversed(last) if isinstance(t, yaml.ScalarToken) and t.style in ("'", '"')
                   and t.start_mark.line < t.end_mark.line and t.end_mark.line + 1 >= pos[0] - 1), None)
    if opened is not None:  # a quote read across lines up to the place libyaml failed
        return ErrorCode.YAML_009, _pos(opened.start_mark), {"end_line": pos[0]}
    if "mapping values are not allowed" in problem_text:
        runaway = _runaway_plain(last, pos, text)
        if runaway is not None:
            return runaway
        return syntax("a ': ' inside an unquoted value; put the whole text in quotes, "
                      'e.g. title: "Step one: know yourself"')
    if "flow mapping" in context or "flow sequence" in context:
        opener = "{" if "mapping" in context else "["
        where = f" opened on line {cmark.line + 1}" if cmark is not None else ""
        return syntax(f"the '{opener}'{where} is not closed, or a ',' is missing between its items")
    if "expected key" in problem_text or "'-' indicator" in problem_text or "block end" in problem_text:
        lines = text.splitlines()
        line_text = lines[pos[0] - 1] if 0 < pos[0] <= len(lines) else ""
        col = len(line_text) - len(line_text.lstrip(" ")) + 1
        if re.match(r"-[^\s-]", line_text.lstrip(" ")):
            return syntax("a '-' starts a list item only when a space follows it: write '- ' and then the item",
                          (pos[0], col))
        if line_text.lstrip(" ").startswith("- "):
            for n in range(pos[0] - 1, 0, -1):  # the nearest item above at another column
                above = lines[n - 1]
                if above.lstrip(" ").startswith("- ") and len(above) - len(above.lstrip(" ")) + 1 != col:
                    return syntax(f"this list item starts at column {col}, but the item on line {n} at column "
                                  f"{len(above) - len(above.lstrip(' ')) + 1}; give the items of one list the "
                                  "same indentation", (pos[0], col))
        if "'-' indicator" in problem_text and cmark is not None:
            return syntax(f"this line (column {col}) is inside the list begun on line {cmark.line + 1}, whose "
                          f"items start with '- ' at column {cmark.column + 1}; indent it to line up with the "
                          "keys of the item above it, or start a new item with '- '", (pos[0], col))
        if cmark is None or cmark.column + 1 == col:
            return syntax("this line's indentation does not match the lines above it", (pos[0], col))
        return syntax(f"this line starts at column {col}, but the keys of the mapping begun on line "
                      f"{cmark.line + 1} start at column {cmark.column + 1}; line it up with them", (pos[0], col))
    if "cannot start any token" in problem_text:
        return syntax(f"{problem_text}: the character {char!r} is not allowed here; quote the text")
    return syntax(problem_text or context or "invalid YAML")


# What a character means to YAML at the start of an unquoted value, for YAML_010.
_INDICATORS = {">": "the start of a folded block of text", "|": "the start of a literal block of text",
               "@": "reserved by YAML", "`": "reserved by YAML", "%": "a directive"}


def _unquoted_indicator(exc: yaml.MarkedYAMLError, text: str) -> tuple[ErrorCode, tuple[int, int], dict[str, Any]] | None:
    """YAML_010 when the parser stopped on an unquoted value such as `op: >=`: YAML takes its
    first character for an indicator (`>` opens a block of text)."""
    for mark in (exc.context_mark, exc.problem_mark):
        if mark is None or not 0 <= mark.index < len(text) or text[mark.index] not in _INDICATORS:
            continue
        line_start = text.rfind("\n", 0, mark.index) + 1
        before = text[line_start:mark.index].rstrip(" ")
        if not before.endswith((":", "-", ",", "[", "{")):
            continue  # not where a value starts
        end = mark.index
        flow = "{" in before or "[" in before
        while end < len(text) and text[end] not in "\n#" and not (flow and text[end] in ",]}"):
            end += 1
        value = text[mark.index:end].rstrip()
        if not value:
            continue
        char = text[mark.index]
        if char in ">|" and re.fullmatch(r"[>|][-+0-9]*", value):
            continue  # a real block scalar header whose trouble lies elsewhere
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        key = re.search(r"([^\s{},\[\]]+):\Z", before)
        if key:
            quoted = f"{key.group(1)}: {quoted}"
        return ErrorCode.YAML_010, _pos(mark), {"value": value, "char": char, "meaning": _INDICATORS[char],
                                                 "quoted": quoted}
    return None


def _tokens_before(text: str, pos: tuple[int, int]) -> list[Any]:
    """The last tokens libyaml's scanner reads before `pos` (the scanner may read past the
    place the parser failed, or fail itself a little earlier)."""
    out: list[Any] = []
    try:
        for token in yaml.scan(text, Loader=_Parser):
            if _pos(token.start_mark) > pos:
                break
            out.append(token)
            if len(out) > 8:
                del out[0]
    except yaml.YAMLError:
        pass
    return out


Diagnosis = tuple[ErrorCode, tuple[int, int], dict[str, Any]]


def _runaway_plain(tokens: list[Any], pos: tuple[int, int], text: str) -> Diagnosis | None:
    """YAML_011 when a ': ' that libyaml refuses sits on a line read as more of an unquoted text
    begun on an earlier line: that line is indented differently from the key above it."""
    scalar = next((t for t in reversed(tokens) if isinstance(t, yaml.ScalarToken)), None)
    if scalar is None or scalar.style not in (None, "") or scalar.start_mark.line + 1 >= pos[0]:
        return None
    i = tokens.index(scalar)
    key = next((t for t in reversed(tokens[:i]) if isinstance(t, yaml.ScalarToken)), None)
    lines = text.splitlines()
    line_text = lines[pos[0] - 1] if 0 < pos[0] <= len(lines) else ""
    col = len(line_text) - len(line_text.lstrip(" ")) + 1
    this_key = line_text.strip().split(":", 1)[0].lstrip("- ").strip()
    first_line = scalar.start_mark.line + 1
    ctx: dict[str, Any] = {"key": this_key, "col": col, "text": scalar.value.split(" ")[0][:30],
                           "first_line": first_line, "other": "", "other_col": col}
    if key is not None and key.start_mark.line + 1 == first_line:
        ctx["other"], ctx["other_col"] = key.value, key.start_mark.column + 1
    return ErrorCode.YAML_011, (pos[0], col), ctx


class _NoKey:
    def __repr__(self) -> str:
        return "<no key>"


_NO_KEY = _NoKey()
