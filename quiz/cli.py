"""`flask --app app quiz …`: the authors' and operators' commands (CONTRACT §3)."""
from __future__ import annotations

import csv
import json
import os
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from quiz.bank import Bank, bank_files, check_file, json_schema
from quiz.config import ROOT
from quiz.store import feedback as store_feedback
from quiz.store import reports


class _QuizGroup(AppGroup):
    """The `quiz` commands. One that needs the database's tables before `db upgrade` made them
    says so in one line (exit 1) instead of SQLAlchemy's traceback."""

    def invoke(self, ctx: click.Context):
        import sqlalchemy as sa
        try:
            return super().invoke(ctx)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
            text = str(exc.orig)
            if "no such table" not in text and "does not exist" not in text:
                raise
            raise click.ClickException(
                "the database has no tables yet (or an older set): run `flask --app app db upgrade` first") from None


quiz_cli = _QuizGroup("quiz", help="Check, inspect and report on question banks.")


def _display(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


@quiz_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True, file_okay=True, path_type=str))
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
@click.option("--show-source", "-s", is_flag=True,
              help="Under each problem, print its line of the file with a caret under the column.")
def check_command(paths: tuple[str, ...], quiet: bool, show_source: bool) -> None:
    """Validate banks (default: every bank in QUIZ_BANKS).

    Prints every problem, one a line, as PATH:LINE:COL: error[CODE]: message, then a summary.
    Exit 0 when there are no errors, 1 when there are, 2 on bad usage. A bank whose id and version
    the configured database already stores with other content is an error (BANK_043): bump its
    version.
    """
    from flask import current_app
    files: list[str] = []
    if paths:
        for p in paths:
            files.extend(bank_files(p) if os.path.isdir(p) else [p])
    else:
        files = bank_files(current_app.config["QUIZ_BANKS"])
    errors = warnings = 0
    seen_ids: dict[str, str] = {}
    from quiz.engine import bank_findings
    for path in files:
        bank, problems = check_file(path, _display(path), deeper=bank_findings)
        if bank is not None:
            if bank.id in seen_ids:
                from quiz.bank.errors import ErrorCode, Problem
                problems.append(Problem(ErrorCode.BANK_013, _display(path), 1, 1,
                                        {"id": bank.id, "other": seen_ids[bank.id]}))
            seen_ids.setdefault(bank.id, _display(path))
            problems = _against_stored_versions(bank, path, problems)
        for p in problems:
            if p.severity == "error":
                errors += 1
            else:
                warnings += 1
            if not quiet:
                click.echo(p.render())
                if show_source:
                    click.echo(source_excerpt(path, p.line, p.col))
    summary = (f"{len(files)} bank{'s' if len(files) != 1 else ''} checked: "
               f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
    if not files:
        summary = "no bank files found"
    click.echo(summary)
    sys.exit(1 if errors or not files else 0)


def _against_stored_versions(bank: Bank, path: str, problems: list) -> list:
    """`problems`, with BANK_043 when the configured database holds this bank's id and version
    with other content: its scoring changed without a version bump."""
    from quiz.bank import changed_without_bump
    from quiz.bank.yaml_reader import read_file
    stored = _stored_hashes(bank.id, bank.version)
    if not stored:
        return problems
    where = read_file(path).where(("version",))
    found = changed_without_bump(bank, stored, _display(path), where)
    if found is None:
        return problems
    return sorted(problems + [found], key=lambda p: (p.line, p.col, p.code.name))


def _stored_hashes(bank_id: str, version: int) -> list[str]:
    """The content hashes the configured database stores for this bank id and version: none when
    it has no database yet (a SQLite file not created, tables not migrated); a database that does
    not answer is said on stderr, and checking goes on without it."""
    import sqlalchemy as sa

    from quiz.extensions import db
    from quiz.store.models import BankSnapshot
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not os.path.exists(url.database):
        return []  # never create a database file just to look in it
    try:
        if not sa.inspect(db.engine).has_table(BankSnapshot.__tablename__):
            return []
        return list(db.session.scalars(sa.select(BankSnapshot.hash).where(
            BankSnapshot.bank_id == bank_id, BankSnapshot.version == version)))
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        click.echo(f"note: stored versions not compared, the database did not answer: {reason}", err=True)
        return []


def source_excerpt(path: str, line: int, col: int) -> str:
    """'  12 | the line' and a caret under the column, as compilers print them."""
    from quiz.bank import caret_line
    from quiz.bank.yaml_reader import MAX_BYTES
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError:
        return ""
    lines = raw.decode("utf-8", "replace").splitlines()
    if not 0 < line <= len(lines):
        return ""
    text = lines[line - 1].replace("\t", " ")
    gutter = f"{line:>5} | "
    # The caret is placed by screen columns: a Korean syllable takes two.
    return f"{gutter}{text}\n{' ' * (len(gutter) - 2)}| {caret_line(text, col)}"


@quiz_cli.command("schema")
@click.option("--bank", "bank_file", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="A bank file: the schema then also knows its path, question, option, section and "
                   "flag ids and its languages, so an editor catches a wrong id.")
def schema_command(bank_file: str | None) -> None:
    """Print the JSON Schema of the bank format (the same as questions/bank.schema.json)."""
    if bank_file is None:
        click.echo(schema_text(), nl=False)
        return
    from quiz.bank.schema import bank_json_schema
    bank, problems = check_file(bank_file, _display(bank_file))
    if bank is None:
        for p in problems:
            click.echo(p.render(), err=True)
        raise click.UsageError(f"{_display(bank_file)} has errors; fix them first (quiz check)")
    click.echo(json.dumps(bank_json_schema(bank), indent=2, ensure_ascii=False, sort_keys=True))


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


SCHEMA_FILE = os.path.join(ROOT, "questions", "bank.schema.json")


def init_app(app: Flask) -> None:
    app.cli.add_command(quiz_cli)


@quiz_cli.command("simulate")
@click.argument("bank_ref", metavar="BANK")
@click.option("--n", "n", type=click.IntRange(min=0, max=10_000_000), default=10_000, show_default=True,
              help="How many uniform-random answer sets.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same report).")
def simulate_command(bank_ref: str, n: int, seed: int) -> None:
    """Balance audit: random, straight-line and per-path maximising answer sets through the scorer.

    Prints the distribution of primary paths, hybrids and archetypes, and flags paths that random
    takers reach under 5% or over 60% of the time, and archetypes never matched. Also prints the
    scoring warnings `quiz check` gives (near-duplicate paths, a hybrid share over 35% among
    takers who lean to one path, an archetype its own profile misses: BANK_031 to BANK_033).
    Exit 1 when a path is never primary in any answer set tried; 0 otherwise; 2 for an unknown
    bank.
    """
    from quiz.engine import render, run_audit
    bank = resolve_bank(bank_ref)
    audit = run_audit(bank, n=n, seed=seed)
    click.echo(render(audit), nl=False)
    sys.exit(1 if audit.unreachable else 0)


@quiz_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what has expired; delete nothing.")
def purge_command(dry_run: bool) -> None:
    """Delete drafts untouched for QUIZ_DRAFT_DAYS (default 7) and, when QUIZ_RESULT_DAYS is set,
    results older than that; print the counts.

    For cron or a systemd timer (docs/deploy.md); each server process also deletes a small batch
    once an hour.
    """
    from quiz import service
    purged = service.purge_expired(dry_run=dry_run)
    verb = "would be deleted" if dry_run else "deleted"
    results = (f"{purged.results} result{'s' if purged.results != 1 else ''} created before "
               f"{purged.result_cutoff:%Y-%m-%d %H:%M} UTC {verb}" if purged.result_cutoff is not None
               else "results are kept (QUIZ_RESULT_DAYS is not set)")
    click.echo(f"{purged.drafts} expired draft{'s' if purged.drafts != 1 else ''} (last saved before "
               f"{purged.draft_cutoff:%Y-%m-%d %H:%M} UTC) {verb}; {results}")


@quiz_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=str))
def backup_command(path: str) -> None:
    """Copy the SQLite database to PATH, consistently, while the server runs.

    The copy holds every result committed before it began; submissions go on meanwhile. PATH must
    not exist. On PostgreSQL it prints how to use pg_dump instead and exits 2 (docs/deploy.md has
    backup and restore for both). Exit 1 when the backup fails.
    """
    from quiz.store import backup
    try:
        made = backup.backup_sqlite(path)
    except backup.NotSQLite:
        click.echo("quiz backup is for SQLite; back up PostgreSQL with pg_dump, e.g. "
                   "pg_dump -Fc -f quiz.dump \"$DATABASE_URL\" (without +psycopg; see docs/deploy.md)", err=True)
        sys.exit(2)
    except backup.BackupError as exc:
        click.echo(f"backup failed: {exc}", err=True)
        sys.exit(1)
    click.echo(f"backed up {_display(made.source)} to {_display(made.path)}: {made.results} "
               f"result{'s' if made.results != 1 else ''}, {made.size / 1e6:.1f} MB")


# -- cohorts ------------------------------------------------------------------------------------

@quiz_cli.group("cohort")
def cohort_group() -> None:
    """Groups (a class, a bootcamp, a team) whose instructor sees how the group answered."""


@cohort_group.command("create")
@click.argument("name")
@click.option("--slug", default=None,
              help="The name in the start link (a-z, 0-9, '-'); default: made from NAME.")
@click.option("--bank", "bank_ref", default=None,
              help="The bank (id or file) to print the start link of; default: every bank served.")
def cohort_create(name: str, slug: str | None, bank_ref: str | None) -> None:
    """Make a cohort called NAME; print its start link and its instructor page.

    A result started from the start link is recorded with the cohort. The instructor page
    (/c/<token>) shows the cohort's distributions, never anyone's answers; its link is printed
    only now (only a hash of it is kept), so keep it. Without QUIZ_BASE_URL the links are paths
    to put after the site's address.
    """
    from flask import current_app

    from quiz.store import cohorts
    from quiz.web import banks
    if bank_ref is not None:
        bank_ids = [resolve_bank(bank_ref).id]
    else:
        bank_ids = [b.id for b in banks.registry()]
    try:
        cohort, token = cohorts.create(name, slug)
    except cohorts.CohortError as exc:
        raise click.UsageError(str(exc)) from None
    base = current_app.config.get("QUIZ_BASE_URL") or ""
    click.echo(f"cohort '{cohort.slug}' created ({cohort.name})")
    for bank_id in bank_ids:
        click.echo(f"start link{f' ({bank_id})' if len(bank_ids) > 1 else ''}: {base}/quiz/{bank_id}?cohort={cohort.slug}")
    click.echo(f"instructor page (keep it private; it is not shown again): {base}/c/{token}")
    if not base:
        click.echo("QUIZ_BASE_URL is not set, so these are paths: put the site's address in front of them "
                   "(or set QUIZ_BASE_URL and the command prints whole links)", err=True)


@cohort_group.command("list")
def cohort_list() -> None:
    """Every cohort: its slug, how many results it has, when it was made, its name."""
    from quiz.store import cohorts
    found = cohorts.all_cohorts()
    for cohort, n in found:
        click.echo(f"{cohort.slug}\t{n} result{'s' if n != 1 else ''}\t{cohort.created_at:%Y-%m-%d}\t{cohort.name}")
    if not found:
        click.echo("no cohorts yet (quiz cohort create NAME)")


COHORT_HELP = "Only the results taken with this cohort (its slug, as in its start link)."


def _cohort_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    from quiz.store import cohorts
    cohort = cohorts.by_slug(slug)
    if cohort is None:
        known = ", ".join(c.slug for c, _n in cohorts.all_cohorts()) or "none"
        raise click.UsageError(f"no cohort '{slug[:64]}' (cohorts: {known})")
    return cohort.id


# -- reports on stored results ------------------------------------------------------------------

def resolve_bank(ref: str) -> Bank:
    """A bank by id (served ones) or by the path of its file; a clear usage error otherwise."""
    from quiz.web import banks
    try:
        bank = banks.registry().resolve(ref)
    except Exception:  # noqa: BLE001  the configured banks are broken; a path may still work
        bank = None
    if bank is None and (ref.endswith((".yaml", ".yml")) or "/" in ref):
        bank, problems = check_file(ref)
        if bank is None:
            raise click.UsageError("\n".join(p.render() for p in problems if p.severity == "error") or f"cannot load {ref}")
    if bank is None:
        try:
            known = ", ".join(b.id for b in banks.registry()) or "none"
        except Exception:  # noqa: BLE001
            known = "unknown (the configured banks do not load)"
        raise click.UsageError(f"no bank '{ref}' (banks: {known}; or give the path of a bank file)")
    return bank


def _version_of(bank: Bank, version: int | None) -> Bank:
    """`bank` itself, or the stored snapshot of another version of it (results are reported one
    version at a time: its questions may differ)."""
    if version is None or version == bank.version:
        return bank
    import sqlalchemy as sa

    from quiz.extensions import db
    from quiz.store.models import BankSnapshot
    snapshot = db.session.scalars(sa.select(BankSnapshot).where(
        BankSnapshot.bank_id == bank.id, BankSnapshot.version == version)
        .order_by(BankSnapshot.created_at.desc())).first()
    if snapshot is None:
        known = ", ".join(str(v) for v in sorted(reports.versions_stored(bank.id))) or "none"
        raise click.UsageError(f"no stored results of {bank.id} version {version} (versions with results: {known})")
    return Bank.from_snapshot(snapshot.content)


VERSION_HELP = "The bank version to report on (default: the current one). Versions are never mixed."


@quiz_cli.command("stats")
@click.argument("bank_ref", metavar="BANK")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--version", "version", type=int, default=None, help=VERSION_HELP)
@click.option("--cohort", "cohort", default=None, help=COHORT_HELP)
def stats_command(bank_ref: str, as_json: bool, version: int | None, cohort: str | None) -> None:
    """Item statistics from stored results of BANK (an id or a bank file's path), one version."""
    bank = _version_of(resolve_bank(bank_ref), version)
    report = reports.compute_stats(bank, cohort_id=_cohort_id(cohort))
    if cohort is not None:
        report["cohort"] = cohort
    # The bank's validity signal ("does this fit you?") and test–retest agreement (retakes).
    # With --cohort, over that cohort's results (a retake counts with the cohort of its later result).
    report["fit"] = store_feedback.fit_report(bank, cohort_id=_cohort_id(cohort))
    report["retest"] = store_feedback.retest_report(bank, cohort_id=_cohort_id(cohort))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"{bank.id} version {bank.version}{f', cohort {cohort}' if cohort else ''}: {report['results']} stored "
               f"result{'s' if report['results'] != 1 else ''}")
    if report["other_versions"]:
        click.echo("not included (other versions): " + ", ".join(
            f"version {v}: {n}" for v, n in report["other_versions"].items()) + "; use --version")
    if not report["results"]:
        click.echo("nothing to report yet")
        return
    total = report["results"]
    click.echo("outcomes: " + ", ".join(f"{p} {c} ({c / total:.0%})" for p, c in report["outcomes"].items())
               + f"; hybrid {report['hybrid']} ({report['hybrid'] / total:.0%})")
    if report["archetypes"]:
        click.echo("archetypes: " + ", ".join(f"{a} {c}" for a, c in report["archetypes"].items()))
    if report["quality"]:
        click.echo("quality flags: " + ", ".join(f"{q} {c}" for q, c in sorted(report["quality"].items())))
    rel = report.get("reliability") or {}
    if any(v.get("alpha") is not None for v in rel.values()):
        click.echo(f"\nreliability on {report['reliability_sample']} results "
                   "(95% bootstrap intervals; items = the questions that score each path):")
        for path, v in rel.items():
            def fmt(name: str) -> str:
                value, ci = v.get(name), v.get(f"{name}_ci")
                return "n/a" if value is None else f"{value:.2f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")
            click.echo(f"  {path:<12} {v['items']:>3} items  alpha {fmt('alpha')}  omega {fmt('omega')}")
        if report.get("split_half_agreement") is not None:
            click.echo(f"  split-half agreement of the leading path: {report['split_half_agreement']:.0%}")
    click.echo(f"\n{'question':<28}{'answered':>9}  {'mean':>5} {'sd':>5}  item-rest r by path")
    for item in report["items"]:
        mean = "" if item.get("mean") is None else f"{item['mean']:.2f}"
        sd = "" if item.get("sd") is None else f"{item['sd']:.2f}"
        rs = ", ".join(f"{p} {'n/a' if r is None else f'{r:+.2f}'}" for p, r in item["item_rest_r"].items())
        click.echo(f"{item['question']:<28}{item['answered']:>9}  {mean:>5} {sd:>5}  {rs}")
        for note in item["notes"]:
            click.echo(f"{'':<28}  note: {note}")
    _echo_fit_and_retest(report["fit"], report["retest"])


def _echo_fit_and_retest(fit: dict, retest: dict) -> None:
    """The "does this fit you?" counts and the retake agreement, after the item table."""
    def counts(c: dict) -> str:
        return ", ".join(f"{k} {v}" for k, v in c.items())
    click.echo(f"\ndoes this fit you? {fit['answered']} answer{'s' if fit['answered'] != 1 else ''}"
               + (f": {counts(fit['counts'])}" if fit["answered"] else ""))
    for title, groups in (("by path", fit["by_path"]), ("by hybrid pair", fit["by_hybrid_pair"]),
                          ("by daily life", fit["by_archetype"])):
        shown = {k: c for k, c in groups.items() if sum(c.values())}
        if shown:
            click.echo(f"  {title}: " + "; ".join(f"{k} ({counts(c)})" for k, c in shown.items()))
    if fit["no_answer_sets"]:
        click.echo(f"  answer sets behind 'no' (latest {len(fit['no_answer_sets'])}; no tokens):")
        for entry in fit["no_answer_sets"]:
            outcome = entry["outcome"]
            click.echo(f"    {outcome['primary']}{'+' + outcome['secondary'] if outcome['hybrid'] else ''} "
                       f"{json.dumps(entry['answers'], ensure_ascii=False)}")
    if retest["pairs"]:
        click.echo(f"retakes: {retest['pairs']} pair{'s' if retest['pairs'] != 1 else ''} on this version; "
                   f"same outcome {retest['same_outcome']:.0%}, same leading path {retest['same_primary']:.0%}")
        click.echo("  scores then and now: " + "; ".join(
            f"{p} r {'n/a' if v['r'] is None else format(v['r'], '.2f')}, mean change {v['mean_abs_change']}"
            for p, v in retest["scores"].items()))
    else:
        click.echo("retakes: none on this version yet")


@quiz_cli.command("export")
@click.argument("bank_ref", metavar="BANK")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True,
              help="csv: one row per result, one column per question; json: a JSON array.")
@click.option("--version", "version", type=int, default=None, help=VERSION_HELP)
@click.option("--cohort", "cohort", default=None, help=COHORT_HELP)
def export_command(bank_ref: str, fmt: str, version: int | None, cohort: str | None) -> None:
    """Stream stored results of BANK (one version) to stdout. Share tokens and delete keys are
    never exported."""
    bank = _version_of(resolve_bank(bank_ref), version)
    cohort_id = _cohort_id(cohort)
    out = sys.stdout  # click's runner swaps it in tests; a pipe streams it in use
    if fmt == "json":
        out.write("[")
        for i, row in enumerate(reports.export_rows(bank, cohort_id=cohort_id)):
            out.write(("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False))
        out.write("\n]\n")
        return
    qids = [q.id for q in bank.questions]
    header = (["id", "created_at", "bank_version", "bank_hash", "lang", "primary", "secondary", "hybrid",
               "balanced", "margin"] + [f"score_{p}" for p in bank.path_ids]
              + ["archetype", "flags", "quality"] + [f"q_{q}" for q in qids])
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in reports.export_rows(bank, cohort_id=cohort_id):
        ans = row["answers"]
        writer.writerow(
            [row["id"], row["created_at"], row["bank_version"], row["bank_hash"], row["lang"], row["primary"],
             row["secondary"], row["hybrid"], row["balanced"], row["margin"]]
            + [row["scores"].get(p) for p in bank.path_ids]
            + [row["archetype"], "|".join(row["flags"]), "|".join(row["quality"])]
            + ["|".join(map(str, ans[q])) if isinstance(ans.get(q), list) else ans.get(q, "") for q in qids])
    sys.stdout.flush()


@quiz_cli.command("init")
@click.argument("path", type=click.Path(dir_okay=False, path_type=str))
@click.option("--languages", default="en,ko", show_default=True,
              help="Comma-separated language codes; the first is the bank's main language.")
def init_command(path: str, languages: str) -> None:
    """Write a small commented bank to PATH that passes `quiz check` and `quiz simulate`.

    Its id comes from the file name (my-bank.yaml → my-bank). An existing file is never
    overwritten. Next: edit it, `quiz check PATH`, `quiz simulate PATH`, then preview at /author.
    """
    import re as _re

    from quiz.bank import starter
    langs = [lang.strip() for lang in languages.split(",") if lang.strip()]
    if not langs or starter.bad_languages(langs) or len(set(langs)) != len(langs):
        raise click.UsageError(f"--languages takes distinct codes such as en,ko (got {languages!r})")
    if os.path.exists(path):
        raise click.UsageError(f"{path} exists; quiz init never overwrites a file (choose another name)")
    stem = os.path.splitext(os.path.basename(path))[0].lower()
    bank_id = _re.sub(r"[^a-z0-9_-]+", "-", stem).strip("-_") or "my-bank"
    if not bank_id[0].isalnum():
        bank_id = "bank-" + bank_id
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(starter.render(bank_id[:64], langs))
    status = _check_written(path)
    click.echo(f"wrote {_display(path)} (bank '{bank_id[:64]}', languages {', '.join(langs)}). "
               f"Next: edit it, then `flask --app app quiz check {_display(path)}` and "
               f"`flask --app app quiz simulate {_display(path)}`.")
    sys.exit(status)


def _check_written(path: str) -> int:
    """After a command wrote a bank file: print what `quiz check` finds in it; 1 if any is an error."""
    _bank, problems = check_file(path, _display(path))
    for p in problems:
        click.echo(p.render())
    return 1 if any(p.severity == "error" for p in problems) else 0


# -- translations ------------------------------------------------------------------------------

@quiz_cli.group("translations")
def translations_group() -> None:
    """Hand a bank's texts to a translator as CSV, and merge the translation back."""


def _bank_file(ref: str) -> str:
    """The file of a bank named by id (among QUIZ_BANKS) or by path."""
    if os.path.isfile(ref):
        return ref
    from quiz.web import banks
    try:
        path = banks.registry().files.get(ref)
    except Exception:  # noqa: BLE001  the configured banks are broken; only a path can work
        path = None
    if path is None:
        raise click.UsageError(f"no bank '{ref}': give a bank id from QUIZ_BANKS or the path of a bank file")
    return path


@translations_group.command("export")
@click.argument("bank_ref", metavar="BANK")
@click.option("--lang", required=True, help="The language to translate into (one of the bank's).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Write the CSV here instead of to stdout.")
def translations_export(bank_ref: str, lang: str, output: str | None) -> None:
    """Every text of BANK as CSV: bank, lang, where, source (the bank's first language), text.

    Fill in the text column and bring the file back with `quiz translations import FILE`.
    """
    from quiz.bank import translations
    path = _bank_file(bank_ref)
    try:
        rows = translations.export_rows(open(path, encoding="utf-8").read(), lang)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    text = translations.to_csv(rows)
    if output:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        click.echo(f"{len(rows)} texts of {_display(path)} written to {output}", err=True)
    else:
        click.echo(text, nl=False)


@translations_group.command("import")
@click.argument("csv_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option("--bank", "bank_ref", default=None, help="The bank (id or file); default: the one the CSV names.")
def translations_import(csv_file: str, bank_ref: str | None) -> None:
    """Merge a translated CSV back into its bank file, keeping its comments and layout.

    A row whose source text changed in the bank since the export is stale: it is not written and
    is listed, to translate again. The bank is checked afterwards; exit 1 if it has errors.
    """
    from quiz.bank import translations
    try:
        rows = translations.from_csv(open(csv_file, encoding="utf-8").read())
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not rows:
        raise click.UsageError(f"{csv_file} has no rows")
    langs = {r.get("lang") for r in rows}
    if len(langs) != 1:
        raise click.UsageError("the CSV mixes languages; import one language at a time")
    path = _bank_file(bank_ref or rows[0].get("bank", ""))
    lang = langs.pop() or ""
    try:
        result = translations.import_rows(open(path, encoding="utf-8").read(), lang, rows)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if result.written:  # nothing new: the file is left byte for byte as it was
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(result.text)
    for where in result.stale:
        click.echo(f"stale: {where}: its source changed since the export; translate it again", err=True)
    for where in result.unknown:
        click.echo(f"unknown: {where}: no such text in the bank now", err=True)
    click.echo(f"{_display(path)}: {result.written} texts written, {result.unchanged} already so, "
               f"{len(result.stale)} stale, {len(result.unknown)} unknown")
    sys.exit(_check_written(path))
