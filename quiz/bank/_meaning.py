"""The second pass: what the shape cannot check (references, languages, operators that fit their
question, results-page conditions and pairs). Runs even when the shape pass failed, so an author
sees every problem at once."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from quiz.bank import yaml_reader
from quiz.bank._wording import country_not_language, describe_value, language_name, meant_language, suggest
from quiz.bank.errors import ErrorCode, Problem
from quiz.bank.model import OPERATORS, OPERATORS_BY_TYPE

# Work budgets (BANK_024, BANK_025): how big a bank may be, so that checking, scoring and
# analysing one stays cheap for a bank pasted into /author as for a file. The shipped banks use a
# fraction of each (tests/unit/test_security_answers.py holds them to at most a quarter).
LIMITS = {"languages": 8, "paths": 16, "pairs": 120, "archetypes": 64, "sections": 64, "questions": 300,
          "rules": 100, "contradictions": 100}
MAX_OPTIONS = 32          # per choice question (a multi question takes at most 16)
MAX_CONDITION_LEAVES = 32  # answers one condition reads


class MeaningChecker:
    """Checks what the shape cannot: references, languages, operators. Tolerant of bad shapes,
    since it runs even when the shape pass failed, so that all problems come out in one run."""

    def __init__(self, doc: yaml_reader.Document, filename: str):
        self.doc, self.filename = doc, filename
        self.data = doc.data if isinstance(doc.data, dict) else {}
        self.problems: list[Problem] = []

    def add(self, code: ErrorCode, path: tuple[Any, ...], key: bool = False, **ctx: Any) -> None:
        line, col = self.doc.where_key(path) if key else self.doc.where(path)
        self.problems.append(Problem(code, self.filename, line, col, ctx))

    def check_path_id(self, pid: Any, path: tuple[Any, ...], key: bool = False) -> None:
        """BANK_002, with a 'did you mean', where `pid` names no path (`key`: it is a mapping key)."""
        if pid not in self.path_ids:
            self.add(ErrorCode.BANK_002, path, key=key, id=pid,
                     suggestion=suggest(pid, self.path_ids), known=", ".join(self.path_ids))

    def items(self, key: str) -> list[tuple[tuple[Any, ...], dict]]:
        seq = self.data.get(key)
        if not isinstance(seq, list):
            return []
        return [((key, i), item) for i, item in enumerate(seq) if isinstance(item, dict)]

    def unique_ids(self, kind: str, entries: list[tuple[tuple[Any, ...], dict]]) -> dict[str, tuple]:
        first: dict[str, tuple] = {}
        for path, item in entries:
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in first:
                self.add(ErrorCode.BANK_001, path + ("id",), kind=kind, id=ident,
                         first_line=self.doc.where(first[ident] + ("id",))[0])
            else:
                first[ident] = path
        return first

    def over_limits(self) -> bool:
        """Report every list longer than its budget; True when any was (the rest of this pass
        is skipped: its cost grows with those lists, and the author must shorten them first)."""
        over = False
        for key, limit in LIMITS.items():
            seq = self.data.get(key)
            if isinstance(seq, list) and len(seq) > limit:
                self.add(ErrorCode.BANK_024, (key,), key=True, count=len(seq), what=key, limit=limit)
                over = True
        for path, q in self.items("questions"):
            options = q.get("options")
            if isinstance(options, list) and len(options) > MAX_OPTIONS:
                self.add(ErrorCode.BANK_024, path + ("options",), key=True, count=len(options),
                         what=f"options in question '{q.get('id')}'", limit=MAX_OPTIONS)
                over = True
        return over

    def run(self) -> list[Problem]:
        d = self.data
        if self.over_limits():
            return self.problems
        langs = d.get("languages")
        self.languages = [lang for lang in langs if isinstance(lang, str)] if isinstance(langs, list) else []
        paths = self.unique_ids("path", self.items("paths"))
        if "paths" in d and isinstance(d["paths"], list) and not d["paths"]:
            self.add(ErrorCode.BANK_019, ("paths",))
        self.path_ids = list(paths)
        sections = self.unique_ids("section", self.items("sections"))
        questions = self.unique_ids("question", self.items("questions"))
        self.unique_ids("archetype", self.items("archetypes"))
        self.unique_ids("rule", self.items("rules"))
        self.unique_ids("contradiction", self.items("contradictions"))
        self.questions = {qid: d["questions"][path[1]] for qid, path in questions.items()}

        self.text_languages: list[tuple[tuple[Any, ...], list[str], list[Any]]] = []
        self.languages_used: set[str] = set()
        self.check_texts(d, ())
        self.report_text_languages()
        for path, q in self.items("questions"):
            self.check_question(path, q, list(sections))
        flags_set: set[str] = set()
        read_by_rules: set[str] = set()
        scored_paths: set[str] = set()
        for path, rule in self.items("rules"):
            read_by_rules |= self.check_condition(rule.get("when"), path + ("when",))
            then = rule.get("then")
            if isinstance(then, dict):
                self.check_points(then.get("points"), path + ("then", "points"))
                if isinstance(then.get("points"), dict):
                    scored_paths |= {k for k, v in then["points"].items() if v and isinstance(k, str)}
                if isinstance(then.get("flag"), str):
                    flags_set.add(then["flag"])
        for path, c in self.items("contradictions"):
            read_by_rules |= self.check_condition(c.get("when"), path + ("when",))
        # Results-page content: its conditions may also read the flags rules set.
        for path, block in self.content_blocks():
            read_by_rules |= self.check_condition(block.get("when"), path + ("when",), flags=flags_set)
        self.check_pairs()
        for path, q in self.items("questions"):
            pts = [q.get("weights")] + [o.get("points") for o in _list(q.get("options")) if isinstance(o, dict)]
            gives = {k for p in pts if isinstance(p, dict) for k, v in p.items() if v and isinstance(k, str)}
            scored_paths |= gives
            if not gives and isinstance(q.get("id"), str) and q["id"] not in read_by_rules:
                self.add(ErrorCode.BANK_017, path + ("id",), id=q["id"])
        if self.questions:
            for pid, ppath in paths.items():
                if pid not in scored_paths:
                    self.add(ErrorCode.BANK_020, ppath + ("id",), id=pid)
        for path, a in self.items("archetypes"):
            self.check_archetype(path, a, flags_set)
        return self.problems

    # -- texts --------------------------------------------------------------------------------
    _TEXT_KEYS = {"title", "short_title", "summary", "advice", "description", "intro", "text", "help", "message",
                  "secondary", "from_here"}

    def check_texts(self, node: Any, path: tuple[Any, ...]) -> None:
        """Every localised text has each declared language, and no other."""
        if isinstance(node, dict):
            for key, value in node.items():
                p = path + (key,)
                if key == "when":
                    continue  # a condition, not text
                is_text = key in self._TEXT_KEYS or (len(path) >= 1 and path[-1] in ("labels",))
                if is_text and (isinstance(value, str) or (isinstance(value, dict) and value and all(
                        isinstance(v, str) for v in value.values()))):
                    self.check_text(value, p)
                elif key == "next_steps" and isinstance(value, list):
                    for i, item in enumerate(value):
                        if isinstance(item, dict) and "text" in item:
                            self.check_texts(item, p + (i,))  # a block: its `text`
                        elif isinstance(item, (str, dict)):
                            self.check_text(item, p + (i,))
                else:
                    self.check_texts(value, p)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                self.check_texts(value, path + (i,))

    def check_text(self, value: Any, path: tuple[Any, ...]) -> None:
        if not self.languages:
            return
        if isinstance(value, str):
            if len(self.languages) > 1:
                example = ", ".join(f"{lang}: ..." for lang in self.languages)
                self.add(ErrorCode.BANK_018, path, languages=", ".join(self.languages), example=example)
            return
        missing = [lang for lang in self.languages if not (isinstance(value.get(lang), str) and value[lang].strip())]
        extra = [lang for lang in value if lang not in self.languages]
        if missing or extra:  # reported together once every text is read (report_text_languages)
            self.text_languages.append((path, missing, extra))
        for lang in self.languages:
            if lang in value:
                self.languages_used.add(lang)

    def report_text_languages(self) -> None:
        """BANK_007 and BANK_008, with one mistake said once. A declared language no text is in,
        where the texts are in another, is the declaration's mistake (BANK_042, once, not twice per
        text); a text with `kr:` where its 'ko' is missing has a misspelt code (BANK_041)."""
        declared_wrong: dict[str, str] = {}
        for lang in self.languages:
            if lang in self.languages_used:
                continue
            used = Counter(x for _, missing, extra in self.text_languages if lang in missing for x in extra)
            if used:
                other = used.most_common(1)[0][0]
                declared_wrong[lang] = other
                self.add(ErrorCode.BANK_042, ("languages", self.languages.index(lang)), lang=lang, used=other,
                         name=language_name(other))
        for i, lang in enumerate(self.languages):  # used consistently, but a country's code: the page
            meant = country_not_language(lang)     # would get no interface in the taker's language
            if meant and lang not in declared_wrong and meant not in self.languages:
                self.add(ErrorCode.BANK_044, ("languages", i), lang=lang, meant=meant, name=language_name(meant))
        for path, missing, extra in self.text_languages:
            missing = [lang for lang in missing if lang not in declared_wrong]
            extra = [lang for lang in extra if lang not in declared_wrong.values()]
            meant = {}
            for lang in extra:
                guess = meant_language(lang, [m for m in missing if m not in meant.values()])
                if guess:
                    meant[lang] = guess
            for lang in missing:
                if lang not in meant.values():
                    self.add(ErrorCode.BANK_007, path, lang=lang)
            for lang in extra:
                if lang in meant:
                    self.add(ErrorCode.BANK_041, path + (lang,), key=True, lang=lang, meant=meant[lang],
                             name=language_name(meant[lang]))
                else:
                    self.add(ErrorCode.BANK_008, path + (lang,), key=True, lang=lang)

    # -- questions ----------------------------------------------------------------------------
    def check_points(self, points: Any, path: tuple[Any, ...]) -> None:
        if not isinstance(points, dict) or not self.path_ids:
            return
        for key in points:
            self.check_path_id(key, path + (key,), key=True)

    def check_question(self, path: tuple[Any, ...], q: dict, section_ids: list[str]) -> None:
        qtype = q.get("type")
        sec = q.get("section")
        if isinstance(sec, str) and sec not in section_ids:
            self.add(ErrorCode.BANK_003, path + ("section",), id=sec,
                     suggestion=suggest(sec, section_ids), known=", ".join(section_ids) or "(none declared)")
        self.check_points(q.get("weights"), path + ("weights",))
        options = q.get("options")
        if isinstance(options, list):
            self.unique_ids("option", [(path + ("options", i), o) for i, o in enumerate(options) if isinstance(o, dict)])
            for i, o in enumerate(options):
                if isinstance(o, dict):
                    self.check_points(o.get("points"), path + ("options", i, "points"))
        if qtype == "scale":
            scale = q.get("scale")
            if scale is None:
                self.add(ErrorCode.BANK_011, path, type="scale", problem="needs 'scale: {min: 1, max: 5}'")
            if "options" in q:
                self.add(ErrorCode.BANK_011, path + ("options",), key=True, type="scale",
                         problem="takes 'weights', not 'options'")
            if q.get("shuffle") is True:
                self.add(ErrorCode.BANK_011, path + ("shuffle",), key=True, type="scale",
                         problem="has no options to shuffle (its points run from min to max)")
            if isinstance(scale, dict):
                lo, hi = scale.get("min", 1), scale.get("max", 5)
                if isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool) and not isinstance(hi, bool):
                    if lo > hi:  # swapped: say so, and hold back what follows from it (every label outside)
                        self.add(ErrorCode.BANK_040, path + ("scale",), min=lo, max=hi)
                    elif lo == hi:
                        self.add(ErrorCode.BANK_006, path + ("scale",), min=lo, max=hi)
                    elif hi - lo > 10:
                        self.add(ErrorCode.BANK_011, path + ("scale",), type="scale",
                                 problem=f"has {hi - lo + 1} points; use at most 11")
                    labels = scale.get("labels")
                    if isinstance(labels, dict) and lo < hi:
                        for label in labels:
                            if isinstance(label, int) and not lo <= label <= hi:
                                self.add(ErrorCode.BANK_012, path + ("scale", "labels", label), key=True,
                                         label=label, min=lo, max=hi)
        elif qtype in ("choice", "multi"):
            if "scale" in q:
                self.add(ErrorCode.BANK_011, path + ("scale",), key=True, type=qtype,
                         problem="takes 'options', not 'scale'")
            if "weights" in q:
                self.add(ErrorCode.BANK_011, path + ("weights",), key=True, type=qtype,
                         problem="gives points per option ('options[].points'), not 'weights'")
            if not isinstance(options, list) or len(options) < 2:
                self.add(ErrorCode.BANK_011, path + (("options",) if "options" in q else ()), type=qtype,
                         problem="needs at least two options")
            if qtype == "multi" and isinstance(options, list) and len(options) > 16:
                self.add(ErrorCode.BANK_011, path + ("options",), type=qtype, problem="takes at most 16 options")
            mc = q.get("max_choices")
            if mc is not None:
                if qtype != "multi":
                    self.add(ErrorCode.BANK_011, path + ("max_choices",), key=True, type=qtype,
                             problem="takes no 'max_choices' (only multi questions do)")
                elif isinstance(mc, int) and isinstance(options, list) and not 1 <= mc <= len(options):
                    self.add(ErrorCode.BANK_015, path + ("max_choices",), value=mc, count=len(options))

    # -- conditions ---------------------------------------------------------------------------
    def content_blocks(self) -> Iterator[tuple[tuple[Any, ...], dict]]:
        """Every results-page block (a mapping with `text`, maybe `when`), with its path."""
        for kind, keys in (("paths", ("advice", "secondary", "next_steps")), ("pairs", ("advice", "next_steps")),
                           ("archetypes", ("from_here",))):
            for path, item in self.items(kind):
                for key in keys:
                    for i, block in enumerate(_list(item.get(key))):
                        if isinstance(block, dict) and "text" in block:
                            yield path + (key, i), block

    def check_pairs(self) -> None:
        seen: dict[frozenset, int] = {}
        for path, pair in self.items("pairs"):
            ids = pair.get("paths")
            if not isinstance(ids, list):
                continue
            for i, pid in enumerate(ids):
                if isinstance(pid, str) and self.path_ids:
                    self.check_path_id(pid, path + ("paths", i))
            if len(ids) == 2 and all(isinstance(x, str) for x in ids):
                key = frozenset(ids)
                if len(key) == 1:
                    self.add(ErrorCode.BANK_021, path + ("paths",), problem=f"names '{ids[0]}' twice")
                elif key in seen:
                    self.add(ErrorCode.BANK_021, path + ("paths",),
                             problem=f"repeats the pair on line {seen[key]}")
                else:
                    seen[key] = self.doc.where(path + ("paths",))[0]

    def check_condition(self, cond: Any, path: tuple[Any, ...], flags: set[str] | None = None) -> set[str]:
        """Check a condition; return the ids of the questions it reads. `flags`: the flags rules
        set, for content conditions, which may read them; None for rules, which may not."""
        read: set[str] = set()
        stack = [(cond, path)]
        leaves = 0
        while stack:
            c, p = stack.pop()
            if not isinstance(c, dict):
                continue
            if "question" in c or "flag" in c:
                leaves += 1
                if leaves == MAX_CONDITION_LEAVES + 1:
                    self.add(ErrorCode.BANK_025, path, count=f"more than {MAX_CONDITION_LEAVES}",
                             limit=MAX_CONDITION_LEAVES)
            if "flag" in c:
                flag = c.get("flag")
                if flags is None:
                    self.add(ErrorCode.BANK_022, p + ("flag",), key=True)
                elif isinstance(flag, str) and flag not in flags:
                    self.add(ErrorCode.BANK_023, p + ("flag",), flag=flag,
                             suggestion=suggest(flag, flags))
            for kind in ("all", "any"):
                if isinstance(c.get(kind), list):
                    stack.extend((sub, p + (kind, i)) for i, sub in enumerate(c[kind]))
            if "not" in c:
                stack.append((c["not"], p + ("not",)))
            if "question" in c:
                read |= self.check_leaf(c, p)
        return read

    def check_leaf(self, leaf: dict, path: tuple[Any, ...]) -> set[str]:
        qid, op, value = leaf.get("question"), leaf.get("op"), leaf.get("value")
        if not isinstance(qid, str):
            return set()
        q = self.questions.get(qid)
        if q is None:
            self.add(ErrorCode.BANK_004, path + ("question",), id=qid,
                     suggestion=suggest(qid, self.questions))
            return set()
        qtype = q.get("type")
        if not isinstance(qtype, str) or qtype not in OPERATORS_BY_TYPE or not isinstance(op, str) or op not in OPERATORS:
            return {qid}
        allowed = OPERATORS_BY_TYPE[qtype]
        if op not in allowed:
            self.add(ErrorCode.BANK_009, path + ("op",), op=op, type=qtype, allowed=", ".join(allowed))
            return {qid}
        values = value if isinstance(value, list) else [value]
        if op == "in" and not isinstance(value, list):
            self.add(ErrorCode.BANK_010, path + ("value",), op=op, type=qtype,
                     expected="a list", found=describe_value(value))
            return {qid}
        if op != "in" and isinstance(value, list):
            self.add(ErrorCode.BANK_010, path + ("value",), op=op, type=qtype,
                     expected="a single value", found=describe_value(value))
            return {qid}
        if qtype == "scale":
            for v in values:
                if not isinstance(v, int) or isinstance(v, bool):
                    self.add(ErrorCode.BANK_010, path + ("value",), op=op, type=qtype,
                             expected="a whole number", found=describe_value(v))
        else:
            option_ids = [o.get("id") for o in _list(q.get("options")) if isinstance(o, dict)]
            for i, v in enumerate(values):
                vpath = path + ("value",) + ((i,) if isinstance(value, list) else ())
                if not isinstance(v, str):
                    self.add(ErrorCode.BANK_010, vpath, op=op, type=qtype, expected="an option id", found=describe_value(v))
                elif v not in option_ids:
                    self.add(ErrorCode.BANK_005, vpath, question=qid, id=v,
                             suggestion=suggest(v, option_ids), known=", ".join(map(str, option_ids)))
        return {qid}

    # -- archetypes ---------------------------------------------------------------------------
    def check_archetype(self, path: tuple[Any, ...], a: dict, flags_set: set[str]) -> None:
        profile = a.get("profile")
        if isinstance(profile, dict) and self.path_ids:
            for key in profile:
                self.check_path_id(key, path + ("profile", key), key=True)
            missing = [p for p in self.path_ids if p not in profile]
            if missing:
                self.add(ErrorCode.BANK_014, path + ("profile",), problem=f"lacks path(s) {', '.join(missing)}")
        traits = a.get("traits")
        if isinstance(traits, list):
            for i, t in enumerate(traits):
                if isinstance(t, str) and t not in flags_set:
                    self.add(ErrorCode.BANK_016, path + ("traits", i), trait=t)


def _list(value: Any) -> list:
    """`value` when it is a list, else []: the meaning pass runs on shapes that may be wrong."""
    return value if isinstance(value, list) else []
