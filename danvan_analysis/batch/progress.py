"""What a batch shows on standard error: a live progress display while it runs and a summary when it ends (rich)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from danvan_analysis.batch import manifest as mf

if TYPE_CHECKING:
    from danvan_analysis.batch.runner import BatchResult


class BatchProgress:
    """Live display across the batch: done / failed / running, elapsed time and ETA.

    Parameters
    ----------
    console : the rich console to draw on.
    year : year of the batch (the display's label).
    total : reports to run.
    show : draw the display; ``None`` = when ``console`` is a terminal. Finished reports are printed either way.
    """

    def __init__(self, console: Any, *, year: int, total: int, show: bool | None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        show = console.is_terminal if show is None else show
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("ok {task.fields[ok]} · failed {task.fields[failed]} · running {task.fields[running]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=not show,
        )
        self.task = self.progress.add_task(f"reports {year}", total=total, ok=0, failed=0, running=0)
        self.ok = self.failed = 0

    def __enter__(self) -> BatchProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def running(self, count: int) -> None:
        """Show ``count`` reports as running."""
        self.progress.update(self.task, running=count)

    def finished(self, record: mf.ReportRecord, *, counted: bool = True) -> None:
        """Count a finished report (``counted=False``: the shared step, which is not one of the reports)."""
        if record.status == mf.OK:
            self.ok += counted
        else:
            self.failed += 1
        self.progress.update(self.task, advance=1 if counted else 0, ok=self.ok, failed=self.failed)
        self.progress.console.print(f"{record.name}: {record.status} ({record.seconds:.1f} s)")

    def refresh(self) -> None:
        """Redraw (the elapsed time and ETA move on even when no report finished)."""
        self.progress.refresh()


def print_summary(console: Any, result: BatchResult) -> None:
    """Print the count of reports by status and, when any failed, a table of the failures and what was kept."""
    from rich.table import Table

    counts: dict[str, int] = {}
    for record in result.records:
        counts[record.status] = counts.get(record.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    console.print(f"Reports in {result.out_dir}: {summary or 'nothing to do'} ({result.seconds:.1f} s).")
    if result.failed:
        table = Table("report", "status", "error", "kept", title="Failed reports")
        for record in result.records:
            if record.status in (mf.FAILED, mf.TIMEOUT):
                table.add_row(
                    record.name, record.status, record.error or "", record.failed_notebook or record.log or ""
                )
        console.print(table)
