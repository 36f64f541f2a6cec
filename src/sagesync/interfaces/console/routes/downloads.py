"""Downloads: check reports, import files and other run outputs, the FEC.

Only files the console can name are served: those in the profile's reports
and exports folders, those a run recorded as its outputs, and the FEC files
exported from this console. A path asked for is looked up among them, never opened as given,
so a crafted address cannot read any other file of the machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sagesync.errors import SagesyncError
from sagesync.i18n import console_gettext
from sagesync.interfaces.console.formatting import OUTPUT_WORDS, output_word
from sagesync.interfaces.console.state import ConsoleState, console_state, load_profile, render
from sagesync.ledger import views as ledger_views
from sagesync.profiles.model import Profile

router = APIRouter()

EXPORTS_FOLDER = "exports"  # where `sagesync.jobs.export_fec` writes the FEC by default



@dataclass(frozen=True, slots=True)
class Download:
    path: Path
    kind: str
    size: int
    modified: datetime
    run_id: int | None = None

    @property
    def name(self) -> str:
        return self.path.name


def _kind(output_name: str, path: Path) -> str:
    """What a file is, for a person (in the request's language): from the run output's name, else from the
    file's name."""
    if output_name in OUTPUT_WORDS:
        return output_word(output_name)
    if "fec" in output_name.lower() or "FEC" in path.name:
        return "FEC"
    if "import" in output_name.lower() or path.suffix.lower() in (".pnm", ".txt"):
        return console_gettext("import file for Sage")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return output_word("report_csv")
    if suffix in (".html", ".htm"):
        return output_word("report_html")
    return output_word(output_name) if output_name else suffix.lstrip(".") or console_gettext("file")


def _download(path: Path, kind: str, run_id: int | None = None) -> Download | None:
    try:
        stat = path.stat()
    except OSError:
        return None  # moved or deleted since: not offered
    if not path.is_file():
        return None
    return Download(path.resolve(), kind, stat.st_size, datetime.fromtimestamp(stat.st_mtime), run_id)


def downloads_of(state: ConsoleState, profile: Profile) -> list[Download]:
    """Every file the console offers for the profile, newest first, each once."""
    found: dict[Path, Download] = {}
    with state.readers.connect(state.ledger_path(profile.name)) as connection:
        outputs = ledger_views.run_outputs(connection, profile.sage_company)
    for run_id, _step, output_name, text in outputs:
        item = _download(Path(text), _kind(output_name, Path(text)), run_id)
        if item is not None:
            found.setdefault(item.path, item)
    paths = state.paths(profile.name)
    for folder in (paths.reports, paths.folder / EXPORTS_FOLDER):
        if folder.is_dir():
            for path in folder.iterdir():
                item = _download(path, _kind("", path))
                if item is not None:
                    found.setdefault(item.path, item)
    for path in state.exported.get(profile.name, set()):
        item = _download(path, "FEC")
        if item is not None:
            found[item.path] = item
    return sorted(found.values(), key=lambda item: (item.modified, item.name), reverse=True)


def _page(request: Request, profile: Profile, *, notice: str = "", error: str = "", start: str = "",
          end: str = "", status_code: int = 200) -> Response:
    state = console_state(request)
    return render(request, "downloads.html", {
        "profile": profile, "name": profile.name, "section": "downloads", "files": downloads_of(state, profile),
        "notice": notice, "error": error, "start": start or profile.period_start.isoformat(),
        "end": end or date.today().isoformat()}, status_code=status_code)


@router.get("/company/{name}/downloads")
def downloads_page(request: Request, name: str) -> Response:
    return _page(request, load_profile(request, name))


@router.get("/company/{name}/file")
def download_file(request: Request, name: str, path: str) -> Response:
    profile = load_profile(request, name)
    wanted = Path(path).resolve()
    offered = {item.path: item for item in downloads_of(console_state(request), profile)}
    item = offered.get(wanted)
    if item is None:
        message = console_gettext("This file is not one the console offers for {company}: see the Downloads "
                                  "page.").format(company=profile.sage_company)
        return render(request, "error.html", {"message": message, "name": name}, status_code=404)
    inline = item.path.suffix.lower() in (".html", ".htm")
    return FileResponse(item.path, filename=item.name, content_disposition_type="inline" if inline else "attachment")


def _fec_exporter() -> Callable[[Profile, date, date], Path] | None:
    from sagesync import jobs

    exporter: Callable[[Profile, date, date], Path] | None = getattr(jobs, "export_fec", None)
    return exporter


@router.post("/company/{name}/fec")
async def export_fec(request: Request, name: str) -> Response:
    profile = load_profile(request, name)
    form = await request.form()
    start_text, end_text = str(form.get("start", "")).strip(), str(form.get("end", "")).strip()
    try:
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    except ValueError:
        return _page(request, profile, error=console_gettext("Give the first and last entry dates of the FEC "
                                                             "(e.g. 01/01/2025 and 31/12/2025)."),
                     start=start_text, end=end_text, status_code=422)
    if end < start:
        return _page(request, profile, error=console_gettext("The last date is before the first one."),
                     start=start_text,
                     end=end_text, status_code=422)
    exporter = _fec_exporter()
    if exporter is None:
        return _page(request, profile, error=console_gettext("The FEC export is not available in this version: "
                                                             "run `{command}`.").format(
                         command=f"sagesync export fec --profile {name}"), start=start_text, end=end_text)
    try:
        path = await run_in_threadpool(exporter, profile, start, end)
    except SagesyncError as error:
        return _page(request, profile, error=str(error), start=start_text, end=end_text)
    console_state(request).remember_export(name, path)
    return _page(request, profile, notice=console_gettext("FEC written: {file}").format(file=path.name),
                 start=start_text, end=end_text)
