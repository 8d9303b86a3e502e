"""Hypothesis strategies that build valid banks (as plain data), for the loader's property tests."""
from __future__ import annotations

from hypothesis import strategies as st

slugs = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
# Text an author might write, including YAML-significant characters and Hangul.
words = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(list(":#{}[]&*!|>'\"%@`-?, 가나다")),
                min_size=1, max_size=24).filter(lambda s: s.strip())
numbers = st.one_of(st.integers(-3, 3), st.floats(-5, 5, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 3)))


def unique_slugs(n_min: int, n_max: int):
    return st.lists(slugs, min_size=n_min, max_size=n_max, unique=True)


@st.composite
def texts(draw, languages):
    if len(languages) == 1 and draw(st.booleans()):
        return draw(words)
    return {lang: draw(words) for lang in languages}


@st.composite
def banks(draw):
    languages = draw(st.sampled_from([["en"], ["en", "ko"], ["ko"]]))
    t = lambda: draw(texts(languages))  # noqa: E731
    path_ids = draw(unique_slugs(2, 4))
    paths = [{"id": p, "title": t(), "summary": t(), "advice": t(),
              **({"next_steps": [t() for _ in range(draw(st.integers(1, 2)))]} if draw(st.booleans()) else {})}
             for p in path_ids]
    section_ids = draw(unique_slugs(0, 3))
    sections = [{"id": s, "title": t()} for s in section_ids]
    qids = draw(unique_slugs(1, 6))
    questions = []
    for qid in qids:
        qtype = draw(st.sampled_from(["scale", "choice", "multi"]))
        q = {"id": qid, "type": qtype, "text": t()}
        if section_ids and draw(st.booleans()):
            q["section"] = draw(st.sampled_from(section_ids))
        if draw(st.booleans()):
            q["required"] = draw(st.booleans())
        if draw(st.booleans()):
            q["source"] = draw(words)
        if qtype == "scale":
            lo = draw(st.integers(0, 3))
            hi = lo + draw(st.integers(1, 6))
            q["scale"] = {"min": lo, "max": hi}
            if draw(st.booleans()):
                q["scale"]["labels"] = {lo: t(), hi: t()}
            q["weights"] = draw(st.dictionaries(st.sampled_from(path_ids), numbers, max_size=len(path_ids)))
        else:
            oids = draw(unique_slugs(2, 5))
            q["options"] = [{"id": o, "text": t(),
                             "points": draw(st.dictionaries(st.sampled_from(path_ids), numbers, max_size=2))}
                            for o in oids]
            if qtype == "multi" and draw(st.booleans()):
                q["max_choices"] = draw(st.integers(1, len(oids)))
        questions.append(q)

    def leaf():
        q = draw(st.sampled_from(questions))
        if q["type"] == "scale":
            op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in"]))
            v = draw(st.integers(q["scale"]["min"], q["scale"]["max"]))
            return {"question": q["id"], "op": op, "value": [v] if op == "in" else v}
        oids = [o["id"] for o in q["options"]]
        if q["type"] == "multi":
            return {"question": q["id"], "op": "contains", "value": draw(st.sampled_from(oids))}
        op = draw(st.sampled_from(["==", "!=", "in"]))
        v = draw(st.sampled_from(oids))
        return {"question": q["id"], "op": op, "value": [v] if op == "in" else v}

    def condition(depth=0):
        kind = draw(st.sampled_from(["leaf", "all", "any", "not"] if depth < 2 else ["leaf"]))
        if kind == "leaf":
            return leaf()
        if kind == "not":
            return {"not": condition(depth + 1)}
        return {kind: [condition(depth + 1) for _ in range(draw(st.integers(1, 2)))]}

    rules, flags = [], []
    for rid in draw(unique_slugs(0, 3)):
        then = {}
        if draw(st.booleans()):
            then["points"] = draw(st.dictionaries(st.sampled_from(path_ids), numbers, min_size=1, max_size=2))
        if draw(st.booleans()):
            then["flag"] = draw(slugs)
            flags.append(then["flag"])
        if draw(st.booleans()) or not then:
            then["advice"] = t()
        rules.append({"id": rid, "when": condition(), "then": then})
    archetypes = [{"id": a, "title": t(), "description": t(),
                   "profile": {p: draw(st.integers(0, 100)) for p in path_ids},
                   **({"traits": sorted(set(draw(st.lists(st.sampled_from(flags), max_size=2))))} if flags else {})}
                  for a in draw(unique_slugs(0, 3))]
    bank = {"id": draw(slugs), "version": draw(st.integers(1, 50)), "languages": languages, "title": t(),
            "hybrid_margin": draw(st.sampled_from([0, 5, 10, 12.5])), "paths": paths, "questions": questions}
    if sections:
        bank["sections"] = sections
    if rules:
        bank["rules"] = rules
    if archetypes:
        bank["archetypes"] = archetypes
    return bank
