"""The batch manifest (``reports/<year>/manifest.json``): what each report was built from, when, and how it went.

One record per report: its parameters, the digest of its inputs (data files, notebook, package version and code),
start/end time, duration, status, error, the headline figures it recorded and the relative paths of its HTML, log
and (when it failed) executed notebook. The runner rewrites the manifest atomically after every finished report,
so an interrupted batch keeps the record of everything it completed, and the next run skips a report whose
input key is unchanged and whose HTML is still the file it wrote (same SHA-256). It merges its records into what is
on disk under the folder's lock (:func:`update_manifest`), so batches writing into one folder at once keep each
other's records.

The input key is a SHA-256 over a canonical JSON document; it changes when any data file's bytes, any parameter,
the notebook's bytes, the plan file's content, the package version or any file of the package changes (:func:`input_key`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from danvan_analysis.errors import ReportError
from danvan_analysis.files import hash_bytes, hash_file, write_atomic

MANIFEST_NAME = "manifest.json"
FORMAT = "danvan-manifest/1"

#: Statuses of a report in a batch.
OK, FAILED, TIMEOUT, SKIPPED = "ok", "failed", "timeout", "skipped"


@dataclass(frozen=True)
class ReportRecord:
    """What the manifest says about one report.

    Attributes
    ----------
    name : manifest key: the district code, ``"province"``, or ``"shared"``.
    kind : ``"district"``, ``"province"`` or ``"shared"``.
    title : human title of the report.
    status : ``"ok"``, ``"failed"``, ``"timeout"`` (``"skipped"`` appears only in a run's result, never on disk).
    key : the input key (:func:`input_key`) the report was built from.
    parameters : the notebook parameters.
    inputs : digests behind the key (data, notebook, package version and digest).
    started, ended : ISO 8601 times (UTC); seconds : duration.
    error : one-line reason of a failure.
    html, html_sha256 : relative path and digest of the HTML (``None`` when failed).
    log : relative path of the log; failed_notebook : relative path of the executed notebook of a failure.
    headline : figures the report recorded for the index page.
    kernel : how the kernel was obtained (fresh, reused and verified, replaced).
    files : the other formats written beside the HTML: format → ``{"path": relative path, "sha256": digest}``.
    """

    name: str
    kind: str
    title: str
    status: str
    key: str
    parameters: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    started: str = ""
    ended: str = ""
    seconds: float = 0.0
    error: str | None = None
    html: str | None = None
    html_sha256: str | None = None
    log: str | None = None
    failed_notebook: str | None = None
    headline: dict[str, Any] = field(default_factory=dict)
    kernel: str = ""
    files: dict[str, dict[str, str]] = field(default_factory=dict)


def input_key(
    *,
    parameters: dict[str, Any],
    data: str,
    notebook: str,
    package_version: str,
    package: str,
    plan: str = "",
    formats: str = "",
) -> str:
    """SHA-256 of everything a report depends on (see the module docstring); ``plan`` is the plan file's digest,
    ``formats`` the formats asked and what shapes them (the Word signer): asking for another format reruns it."""
    document = {
        "format": FORMAT,
        "parameters": parameters,
        "data": data,
        "notebook": notebook,
        "package_version": package_version,
        "package": package,
        "plan": plan,
        "formats": formats,
    }
    return hash_bytes(json.dumps(document, sort_keys=True, ensure_ascii=False, default=str))


def read_manifest(out_dir: Path) -> dict[str, ReportRecord]:
    """Read ``out_dir/manifest.json`` (empty when absent).

    Raises
    ------
    ReportError
        The file exists but is not a manifest we wrote (hint: delete it or use ``--force``).
    """
    path = Path(out_dir) / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(f"format {document.get('format')!r}, expected {FORMAT!r}")
        known = set(ReportRecord.__dataclass_fields__)
        return {
            name: ReportRecord(**{k: v for k, v in record.items() if k in known})
            for name, record in document["reports"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ReportError(
            f"{path} is not a danvan-analysis manifest ({error}). Hint: delete it; the next run rebuilds every report."
        ) from error


def write_manifest(out_dir: Path, records: dict[str, ReportRecord], *, batch: dict[str, Any]) -> Path:
    """Write the manifest atomically (records sorted by name)."""
    document = {
        "format": FORMAT,
        "batch": batch,
        "reports": {name: asdict(records[name]) for name in sorted(records)},
    }
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False, default=str)
    return write_atomic(Path(out_dir) / MANIFEST_NAME, text + "\n")


def update_manifest(
    out_dir: Path, changed: dict[str, ReportRecord], *, batch: dict[str, Any]
) -> dict[str, ReportRecord]:
    """Merge ``changed`` into the manifest on disk and write it; return every record it now holds.

    Two batches may write into one folder at once (different districts): each re-reads the manifest under the
    folder's lock (:func:`~danvan_analysis.files.folder_lock`) and adds only its own records, so neither loses the
    other's. The caller holds the lock.
    """
    records = {**read_manifest(out_dir), **changed}
    write_manifest(out_dir, records, batch=batch)
    return records


def is_current(record: ReportRecord | None, key: str, out_dir: Path) -> bool:
    """True when ``record`` is a success built from ``key`` and its HTML and other formats are still the files that
    were written (an edited Word draft is not: the report is made again, keeping the edits with ``--keep-edits``)."""
    if record is None or record.status != OK or record.key != key or not record.html:
        return False
    written = [(record.html, record.html_sha256), *((f["path"], f["sha256"]) for f in record.files.values())]
    return all((Path(out_dir) / rel).is_file() and hash_file(Path(out_dir) / rel) == sha for rel, sha in written)
