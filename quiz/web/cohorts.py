"""The instructor page of a cohort, `/c/<token>`: how the group answered, as distributions only.

Paths, hybrid pairs and daily lives as server-rendered SVG bar charts (no script; bar lengths are
SVG attributes, not inline styles, which the CSP forbids) with the same figures in a table, the
fit-feedback rate, and the count. Never an answer, a result link or a token; below
`cohorts.MIN_SHOWN` results only the count, since in a small group a distribution points at
people. The token in the address is the only key: the page is never indexed nor stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, render_template

from quiz.store import cohorts
from quiz.web import banks
from quiz.web.i18n import gettext, select_locale
from quiz.web.results.naming import headline, path_name

bp = Blueprint("cohorts", __name__)

# SVG units: each row is its label on one line and its bar below; the count follows the bar.
BAR_ROW = 44
BAR_SPACE = 320  # the longest bar (every result)


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    share: int  # percent of the bank's results, rounded
    width: int  # the bar's length in SVG units


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    rows: list[Row]
    height: int


def _chart(chart_id: str, title: str, counts: list[tuple[str, int]], total: int) -> Chart:
    rows = [Row(label, n, round(100 * n / total) if total else 0,
                round(BAR_SPACE * n / total) if total else 0) for label, n in counts]
    return Chart(chart_id, title, rows, max(len(rows), 1) * BAR_ROW)


def _charts(entry: cohorts.BankSummary, index: int, lang: str) -> tuple[str, list[Chart], dict[str, Any] | None]:
    bank = banks.get(entry.bank_id)
    total = entry.results

    def path_label(pid: str) -> str:
        path = bank.path_by_id.get(pid) if bank is not None else None
        return path_name(bank, path, lang) if path is not None else pid

    order = list(bank.path_ids) if bank is not None else []
    paths = [(path_label(p), entry.paths.get(p, 0)) for p in order]
    paths += [(path_label(p), n) for p, n in entry.paths.most_common() if p not in order]
    hybrids = [(headline(bank, {"hybrid": True, "primary": a, "secondary": b}, lang) if bank is not None
                else f"{a}–{b}", n) for (a, b), n in entry.hybrids.most_common()]
    hybrids.append((gettext("Single path"), total - sum(entry.hybrids.values()) - entry.balanced))
    if entry.balanced:
        hybrids.append((gettext("Balanced"), entry.balanced))
    archetypes = []
    if bank is not None:
        for arch in bank.archetypes:
            archetypes.append((bank.text(arch.title, lang), entry.archetypes.get(arch.id, 0)))
        known = {a.id for a in bank.archetypes}
        archetypes += [(a, n) for a, n in entry.archetypes.most_common() if a not in known]
    else:
        archetypes = list(entry.archetypes.most_common())
    charts = [_chart(f"paths-{index}", gettext("Leading path"), paths, total),
              _chart(f"hybrids-{index}", gettext("Hybrids"), hybrids, total),
              _chart(f"lives-{index}", gettext("Most like this day at work"), archetypes, total)]
    fit = None
    if entry.fit is not None:
        answered = sum(entry.fit.values())
        fit = {"answered": answered, "share": round(100 * answered / total) if total else 0,
               "rows": [(label, entry.fit.get(key, 0),
                         round(100 * entry.fit.get(key, 0) / answered) if answered else 0)
                        for key, label in (("yes", gettext("Fits")), ("partly", gettext("Fits partly")),
                                           ("no", gettext("Does not fit")))]}
    title = bank.text(bank.title, lang) if bank is not None else entry.bank_id
    return title, charts, fit


@bp.get("/c/<token>")
def show(token: str):
    cohort = cohorts.by_token(token)
    if cohort is None:
        abort(404, description=gettext("There is no group page at this address."))
    lang = select_locale()
    summary = cohorts.summary(cohort.id)
    sections = [_charts(entry, i, lang) for i, entry in enumerate(summary.banks)]
    return render_template("cohorts/show.html", cohort_name=cohort.name, total=summary.results,
                           sampled=summary.sampled, sections=sections, minimum=cohorts.MIN_SHOWN,
                           bar_row=BAR_ROW, bar_space=BAR_SPACE)
