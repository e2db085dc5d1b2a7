"""The ``danvan`` command: a thin shell over the package (no logic lives here).

User errors (:class:`~danvan_analysis.errors.DanvanError`) print a clear message and exit with status 2, never a
traceback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from danvan_analysis import paths
from danvan_analysis.errors import DanvanError, ParameterError
from danvan_analysis.process import end_process, skip_unused_imports

app = typer.Typer(
    help="danvan-analysis: evaluate the 'dân vận' work of state agencies in Thái Nguyên.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def _parse_years(text: str) -> list[int]:
    """Parse ``2023`` or ``2021-2023`` or ``2021,2023``."""
    years: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part:
                first, last = (int(x) for x in part.split("-", 1))
                years.extend(range(first, last + 1))
            else:
                years.append(int(part))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a year, a range like 2021-2023, or a comma list.") from None
    return sorted(set(years))


_EMPTY_CHOICE = {
    "districts": "no district given. Expected district codes or names separated by commas, e.g. --districts "
    "164,170; leave the option out for all 9 districts (`danvan units` lists them).",
    "communes": "no commune given. Expected commune codes or names separated by commas, e.g. --communes "
    "05443,05446; leave the option out for every commune (`danvan units --year YEAR`).",
}


def _parse_units(option: str, text: str | None) -> tuple[str, ...] | None:
    """``--districts`` / ``--communes``: the comma-separated items; ``None`` (the option left out) = all of them.

    An empty value (``--districts ""``, or only commas) is an error, not "all": a script whose variable came out
    empty must not silently run every unit.
    """
    if text is None:
        return None
    items = tuple(part.strip() for part in text.split(",") if part.strip())
    if not items:
        raise ParameterError(f"--{option} {text!r}: {_EMPTY_CHOICE[option]}")
    return items


@app.command()
def demo(
    year: Annotated[int, typer.Option(help="The year the reports are for (the last year generated).")] = 2023,
    years: Annotated[
        str | None, typer.Option(help="Years to generate, e.g. 2021-2023 (default: year-2 … year).")
    ] = None,
    respondents: Annotated[int, typer.Option(help="Survey respondents per year, whole province.")] = 6000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives identical files.")] = 2023,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder to write <year>/<dataset> files into.")
    ] = paths.DEMO_DIR,
    exports: Annotated[
        bool,
        typer.Option(
            help="Also write the survey as KoboToolbox and ODK exports of the questionnaire (<year>/exports/, no weights)."
        ),
    ] = False,
) -> None:
    """Write realistic synthetic data for every dataset (all 9 districts, 177 communes)."""
    from danvan_analysis.demo import write_demo

    chosen = _parse_years(years) if years else list(range(year - 2, year + 1))
    written = write_demo(out_dir, years=chosen, respondents=respondents, seed=seed, exports=exports)
    for written_year, folder in written.items():
        out.print(f"{written_year}: {folder}")


@app.command()
def validate(
    dataset: Annotated[str, typer.Argument(help="survey, dialogues, religion, complaints, boards, plans, …")],
    path: Annotated[Path, typer.Argument(help="CSV, .xlsx or .parquet file.")],
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name (default: the first data sheet).")] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of a CSV (default: detect UTF-8/UTF-16).")] = None,
    problems_out: Annotated[Path | None, typer.Option(help="Save the problem list as .xlsx or .csv.")] = None,
    rename: Annotated[
        list[str] | None,
        typer.Option(help="Survey exports: EXPORT_COLUMN=COLUMN for a question renamed in the form (repeatable)."),
    ] = None,
    weights_later: Annotated[
        bool, typer.Option(help="Survey exports: accept a file without weights (they come from `danvan weights`).")
    ] = False,
) -> None:
    """Check a file against its dataset's contract and list every problem at once.

    A survey exported from KoboToolbox or ODK Central (the form of `danvan questionnaire`) is read as it comes; the
    mapping report says which export column became which survey column.
    """
    from danvan_analysis.io import validate_file, write_problems

    renames = _parse_renames(rename or [])
    options = {"rename": renames, "require_weight": not weights_later} if dataset.strip().lower() == "survey" else {}
    if options:
        _print_export_mapping(path, sheet=sheet, encoding=encoding, rename=renames)
    problems = validate_file(dataset, path, sheet=sheet, encoding=encoding, **options)
    if problems_out is not None:
        write_problems(problems, problems_out)
        out.print(f"Problem list written to {problems_out}")
    errors = problems[problems["severity"] == "error"] if len(problems) else problems
    if len(problems):
        out.print(problems.to_string(index=False))
    if len(errors):
        err.print(f"{path}: {len(errors)} problem(s); the file was not changed.")
        raise typer.Exit(1)
    out.print(f"{path}: valid {dataset} data ({len(problems)} warning(s)).")


def _parse_renames(pairs: list[str]) -> dict[str, str]:
    renames = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise typer.BadParameter(f"--rename {pair!r}: expected EXPORT_COLUMN=COLUMN, e.g. q05_kinh_te=q05.")
        renames[old.strip()] = new.strip()
    return renames


def _print_export_mapping(path: Path, **options: object) -> None:
    """Print the mapping report when the survey file is a field export (nothing for a file in the contract's layout)."""
    from danvan_analysis.errors import ParameterError
    from danvan_analysis.io import map_export

    try:
        mapping = map_export(path, **options)  # type: ignore[arg-type]
    except ParameterError:
        return
    out.print(f"{path}: an export of the survey form; {len(mapping)} columns:")
    for row in mapping.itertuples(index=False):
        out.print(f"  {row.export_column} → {row.contract_column or '—'}  ({row.how})")


@app.command()
def questionnaire(
    out_path: Annotated[Path, typer.Option("--out", help="The XLSForm to write (.xlsx).")],
    lang: Annotated[str, typer.Option(help="Default language of the form: vi or en (both are included).")] = "vi",
    year: Annotated[int, typer.Option(help="Survey year the form records.")] = 2023,
    villages: Annotated[
        Path | None,
        typer.Option(help="CSV of the sample's villages (commune_code, village_code, village_name); default: text."),
    ] = None,
) -> None:
    """Write the SIPAS-style questionnaire as an XLSForm for KoboToolbox or ODK Collect."""
    from danvan_analysis.questionnaire import write_questionnaire

    written = write_questionnaire(out_path, lang=lang, year=year, villages=villages)
    out.print(f"Questionnaire (XLSForm) written to {written}")


@app.command()
def template(
    dataset: Annotated[str, typer.Argument(help="Dataset to make a fill-in workbook for.")],
    unit: Annotated[str, typer.Option(help="Reporting unit: code or name (district, commune or agency).")],
    year: Annotated[int, typer.Option(help="Reporting year.")] = 2023,
    period: Annotated[str | None, typer.Option(help="Reporting period: Q1, H1, 9M or Y.")] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Output .xlsx (default: <dataset>_<unit>_<year>.xlsx).")
    ] = None,
) -> None:
    """Write a fill-in Excel template for a reporting unit."""
    from danvan_analysis.workbooks import write_template

    written = write_template(dataset, out_path, unit=unit, year=year, period=period)
    out.print(f"Template written to {written}")


@app.command()
def units(
    district: Annotated[str | None, typer.Option(help="List the communes of this district (code or name).")] = None,
    year: Annotated[
        int | None, typer.Option(help="Use the map of this year (default: the 2023 register); see --period.")
    ] = None,
    period: Annotated[str | None, typer.Option(help="With --year: the map at the close of Q1, H1, 9M or Y.")] = None,
    province: Annotated[str, typer.Option(help="GSO province code on that map (default 19, Thái Nguyên).")] = "19",
) -> None:
    """List a unit register: districts (or the communes of one district), or the communes of a two-level year."""
    from danvan_analysis.registers import register_for
    from danvan_analysis.units import register

    if year is None and province == "19":
        reg = register()
    else:
        reg = register_for(2023 if year is None else year, period, province=province)
        out.print(f"{reg.label}" + (f"\n{reg.note}" if reg.note else ""))
    if district is not None and district.strip().lower() == "agencies":
        out.print(reg.to_frame("agency")[["code", "name", "name_en"]].to_string(index=False))
        return
    if not reg.district_codes:  # the two-level map: province and communes
        if district is not None:
            reg.resolve(district, kind="district")  # raises, saying the district no longer exists
        table = reg.to_frame("commune")
        out.print(table[["code", "name", "type_name"]].to_string(index=False))
        out.print(f"{len(table)} communes and wards, no district level; agencies: `--district agencies`")
        return
    if district is None:
        table = reg.to_frame("district")
        table["communes"] = [len(reg.communes_of(c)) for c in table["code"]]
        out.print(table[["code", "name", "type_name", "communes"]].to_string(index=False))
        out.print(f"{len(reg.units('commune'))} communes in all; agencies: `danvan units --district agencies`")
        return
    chosen = reg.resolve(district, kind="district")
    table = reg.to_frame("commune")
    table = table[table["district_code"] == chosen.code]
    out.print(f"{chosen.code} {chosen.name}: {len(table)} communes")
    out.print(table[["code", "name", "type_name"]].to_string(index=False))


def _report_date(text: str | None) -> dt.date | None:
    """``--date``: a day as 15/03/2024 or 2024-03-15 (a usage error otherwise, exit 2)."""
    if text is None:
        return None
    from danvan_analysis.reports.params import check_report_date

    try:
        return check_report_date(text) if text.strip() else None
    except ParameterError:
        raise typer.BadParameter(
            f"{text!r} is not a date; expected a day such as 15/03/2024.", param_hint="--date"
        ) from None


@app.command()
def reports(
    year: Annotated[int, typer.Option(help="Year to report on.")] = 2023,
    districts: Annotated[
        str | None, typer.Option(help="Comma-separated district codes or names (default: all 9).")
    ] = None,
    communes: Annotated[
        str | None,
        typer.Option(help="A two-level year: comma-separated commune codes or names (default: all of the province)."),
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="Data folder with <year>/<dataset> files (default: demo data).")
    ] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder (default: reports/<year>).")] = None,
    jobs: Annotated[int | None, typer.Option(help="Parallel workers (default: number of cores).")] = None,
    lang: Annotated[str, typer.Option(help="Report language: vi or en.")] = "vi",
    scheduler: Annotated[str | None, typer.Option(help="tcp://HOST:PORT of a dask cluster, or local-dask.")] = None,
    force: Annotated[bool, typer.Option(help="Rerun reports whose inputs have not changed.")] = False,
    timeout: Annotated[int, typer.Option(help="Seconds allowed per report.")] = 600,
    plan: Annotated[
        Path | None, typer.Option(help="Plan file (YAML) to score against (default: the shipped 2023 plan).")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(help="Report due at this period's deadline: Q1, H1, 9M or Y (default: the whole year)."),
    ] = None,
    agencies: Annotated[
        bool, typer.Option(help="Also write one report per provincial agency (its targets, tasks and reports).")
    ] = False,
    province: Annotated[
        str,
        typer.Option(
            help="GSO province code (default 19, Thái Nguyên). Another province: a two-level year (2026 …), with "
            "--data and a --plan file naming that province."
        ),
    ] = "19",
    formats: Annotated[
        str,
        typer.Option(
            help="Comma-separated formats: html, docx (Word draft), pdf (needs Chromium), xlsx (Excel appendix). "
            "HTML is always written."
        ),
    ] = "html,docx,xlsx",
    signer_name: Annotated[
        str | None, typer.Option(help="Word draft: the signer's name (default: the plan file's, else blank).")
    ] = None,
    signer_title: Annotated[
        str | None, typer.Option(help="Word draft: the signer's title, e.g. 'PHÓ CHỦ TỊCH' (default: blank).")
    ] = None,
    keep_edits: Annotated[
        bool, typer.Option(help="Word draft: keep the paragraphs you marked as your own in the draft already there.")
    ] = False,
    date: Annotated[
        str | None,
        typer.Option(help="The date every report is dated, e.g. 15/03/2024 (default: the day the batch starts)."),
    ] = None,
) -> None:
    """Produce the district evaluation reports and the provincial summary as self-contained HTML, with a Word draft
    and an Excel appendix beside each (and a PDF copy with --formats ...,pdf)."""
    from danvan_analysis.batch.settings import BatchSettings

    settings = BatchSettings(
        year=year,
        districts=_parse_units("districts", districts),
        communes=_parse_units("communes", communes),
        province_code=province,
        data_dir=data,
        out_dir=out_dir,
        jobs=jobs,
        lang=lang,
        scheduler=scheduler,
        force=force,
        timeout=timeout,
        plan=plan,
        period=period,
        agencies=agencies,
        formats=tuple(f.strip() for f in formats.split(",")),
        signer_name=signer_name,
        signer_title=signer_title,
        keep_edits=keep_edits,
        report_date=_report_date(date),
    )
    from danvan_analysis.batch.early import close_quietly, single_threaded_command, start_early_worker
    from danvan_analysis.errors import PlanError

    single_threaded_command(settings)  # before the runner imports numpy
    early = start_early_worker(settings)  # boots while the runner's imports and the planning below run
    try:
        from danvan_analysis.batch.runner import run_batch

        result = run_batch(settings, early=early)
    except PlanError as error:  # the input has problems (exit 1), listed with their lines
        err.print(str(error))
        raise typer.Exit(1) from None
    finally:
        close_quietly(early)
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def html(
    notebook: Annotated[Path, typer.Argument(help="An executed report notebook (papermill's output).")],
    out_path: Annotated[Path | None, typer.Option("--out", help="The HTML file (default: beside it, .html).")] = None,
    lang: Annotated[str, typer.Option(help="Report language: vi or en.")] = "vi",
    formats: Annotated[
        str,
        typer.Option(
            help="Also write these copies beside the HTML: docx, pdf (needs Chromium), xlsx; comma-separated."
        ),
    ] = "html",
    plan: Annotated[
        Path | None,
        typer.Option(help="Plan file whose report: section fills the Word draft (default: the shipped plan)."),
    ] = None,
    signer_name: Annotated[str | None, typer.Option(help="Word draft: the signer's name.")] = None,
    signer_title: Annotated[str | None, typer.Option(help="Word draft: the signer's title.")] = None,
    keep_edits: Annotated[
        bool, typer.Option(help="Word draft: keep the paragraphs you marked as your own in the draft already there.")
    ] = False,
) -> None:
    """Turn an executed report notebook into the self-contained HTML page `danvan reports` writes, and the Word,
    PDF and Excel copies asked with --formats (beside the HTML, same name)."""
    import nbformat

    from danvan_analysis.batch.export import export_html
    from danvan_analysis.batch.formats import check_formats, write_copies
    from danvan_analysis.errors import InputFileError
    from danvan_analysis.files import write_atomic
    from danvan_analysis.numbers import check_lang

    extra = check_formats(formats.split(","))
    try:
        nb = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError) as error:
        raise InputFileError(f"Cannot read the notebook {notebook}: {error}") from error
    title = next((c.source.lstrip("# ").splitlines()[0] for c in nb.cells if c.cell_type == "markdown"), notebook.stem)
    target = out_path or notebook.with_suffix(".html")
    page = export_html(nb, lang=check_lang(lang), title=title)
    word = None
    draft = target.with_suffix(".docx")
    if "docx" in extra:
        from danvan_analysis.batch.formats.blocks import meta_of, read_blocks
        from danvan_analysis.batch.formats.docx import docx_options
        from danvan_analysis.plan import load_plan

        meta = meta_of(read_blocks(nb))
        kind = meta.kind if meta is not None else "district"
        word = docx_options(load_plan(plan), kind, signer_name=signer_name, signer_title=signer_title)
    keep = draft.read_bytes() if keep_edits and "docx" in extra and draft.is_file() else None
    copies = write_copies(nb, page, extra, docx_options=word, keep_from=keep)
    for name, data in copies.items():
        write_atomic(target.with_suffix(f".{name}"), data)
        out.print(f"{name.upper()} written to {target.with_suffix(f'.{name}')}")
    write_atomic(target, page)
    out.print(f"HTML written to {target}")


plan_app = typer.Typer(help="Check and show plan files (the targets, thresholds and calendar a report applies).")
app.add_typer(plan_app, name="plan")


@plan_app.command("check")
def plan_check(
    path: Annotated[Path, typer.Argument(help="Plan file (YAML, see docs/plan_file.md).")],
) -> None:
    """Check a plan file and list every problem at once, each with its line (exit 1 when there are any)."""
    from danvan_analysis.errors import PlanError
    from danvan_analysis.plan import load_plan

    try:
        plan = load_plan(path)
    except PlanError as error:
        err.print(str(error))
        raise typer.Exit(1) from None
    out.print(
        f"{path}: a valid plan ({plan.title.vi}; {len(plan.targets)} targets, {len(plan.calendar.periods)} periods)."
    )


@plan_app.command("show")
def plan_show(
    path: Annotated[Path | None, typer.Argument(help="Plan file (default: the shipped 2023 plan).")] = None,
    lang: Annotated[str, typer.Option(help="Language of the target labels: vi or en.")] = "vi",
) -> None:
    """Print a plan's targets as a table: scope, measure, comparison, threshold and whose threshold it is."""
    from danvan_analysis.plan import load_plan

    if lang not in ("vi", "en"):
        raise typer.BadParameter(f"--lang {lang!r}: expected vi or en.")
    plan = load_plan(path)
    out.print(f"{plan.spec.plan.issuing_body(lang)}: {plan.title(lang)}")
    deadlines = ", ".join(f"{p.code} {plan.deadline(p.code):%d/%m/%Y}" for p in plan.calendar.periods)
    out.print(
        f"{'Hạn báo cáo' if lang == 'vi' else 'Deadlines'}: {deadlines} ({plan.calendar.on_time}, {plan.calendar.cutoff})"
    )
    table = plan.to_frame().rename(columns={f"label_{lang}": "label"})
    out.print(
        table[["target", "scope", "measure", "comparison", "threshold", "threshold_source", "label"]].to_string(
            index=False
        )
    )


@app.command()
def weights(
    survey: Annotated[Path, typer.Argument(help="Survey file: a KoboToolbox/ODK export or the contract's layout.")],
    frame: Annotated[
        Path, typer.Option(help="Sampling frame CSV, one row per sampled village (docs/field_survey.md).")
    ],
    out_path: Annotated[Path, typer.Option("--out", help="Weighted survey to write (.csv or .parquet).")],
    margin: Annotated[
        list[Path] | None, typer.Option(help="Margin CSV: margin column(s), then population (repeatable).")
    ] = None,
    district_margin: Annotated[
        bool, typer.Option(help="Calibrate to the shipped 2019 census district populations (all ages).")
    ] = True,
    method: Annotated[str, typer.Option(help="raking, poststratify (one margin) or linear.")] = "raking",
    bounds: Annotated[str | None, typer.Option(help="Bounds on the factor new/old weight, e.g. 0.3,3.")] = None,
    diagnostics: Annotated[
        Path | None, typer.Option(help="Diagnostics CSV (default: <out stem>_weights.csv beside --out).")
    ] = None,
) -> None:
    """Weight a survey: design weights from the sampling frame, then calibration; writes a new file, never the input.

    Exit status: 0 done, 1 a problem in the input files (the message names the file, row and column), 2 cannot run.
    """
    from danvan_analysis.survey.weighting import run_weights

    try:
        low_high = tuple(float(b) for b in bounds.split(",")) if bounds else None
        if low_high is not None and len(low_high) != 2:
            raise ValueError
    except ValueError:
        err.print(f"[bold red]Error:[/bold red] --bounds {bounds!r}: expected LOW,HIGH, e.g. 0.3,3.")
        raise typer.Exit(1) from None
    try:
        run = run_weights(
            survey,
            frame,
            out_path,
            margins=margin or [],
            district_margin=district_margin,
            method=method,
            bounds=low_high,  # type: ignore[arg-type]
            diagnostics=diagnostics,
        )
    except DanvanError as error:
        err.print(f"[bold red]Error:[/bold red] {error}")
        raise typer.Exit(1) from None
    except OSError as error:
        err.print(f"[bold red]Cannot run:[/bold red] {error}")
        raise typer.Exit(2) from None
    out.print(f"{run.respondents} respondents weighted: {run.survey} (weight, design_weight)")
    if run.calibration is not None:
        out.print(run.calibration.summary().to_string(index=False))
        margins = ", ".join(
            f"'{m}'" if isinstance(m, str) else str(m) for m in run.calibration.design.calibration.margins
        )
        out.print(f"Estimate with SurveyDesign(calibration=Calibration(margins=({margins},))) for calibrated SEs.")
    out.print(f"Diagnostics: {run.diagnostics}")


def main() -> None:
    """Entry point of the ``danvan`` command: run it, then end the process (:func:`end_process`)."""
    skip_unused_imports()
    try:
        app()
        code: object = 0
    except DanvanError as error:
        err.print(f"[bold red]Error:[/bold red] {error}")
        code = 2
    except SystemExit as stop:  # typer ends every command this way
        code = stop.code
    end_process(code)


if __name__ == "__main__":
    main()
