"""Build good and deliberately broken export archives for the portability tests."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

from django.core.management import call_command

from dataops.portability.archive import sha256_of
from dataops.portability.export import total_sha256


def export(out: Path, *args: str) -> Path:
    before = set(out.glob("*.tar.gz")) if out.exists() else set()
    call_command("export_data", "--out", str(out), *args)
    (archive,) = set(out.glob("*.tar.gz")) - before
    return archive


def run(capsys, command: str, *args) -> tuple[int, str]:
    """Run a management command that exits 1 on problems: (exit code, stdout)."""
    try:
        call_command(command, *map(str, args))
    except SystemExit as exc:
        return exc.code, capsys.readouterr().out
    return 0, capsys.readouterr().out


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def write(path: Path, files: dict[str, bytes], *, extra: list[tarfile.TarInfo] = ()) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isfile() else None)
    return path


def rewrite(
    archive: Path, dest: Path, change: Callable[[dict[str, bytes]], None], *, reseal: bool
) -> Path:
    """Copy `archive` to `dest` after `change` edits its members; with `reseal` the manifest's
    counts and checksums are recomputed so only the edit itself is wrong."""
    files = members(archive)
    change(files)
    if reseal:
        manifest = json.loads(files["manifest.json"])
        for entry in manifest["entities"]:
            data = files[f"entities/{entry['name']}.jsonl"]
            entry["rows"] = len(data.splitlines())
        manifest["files"] = {
            name: sha256_of(io.BytesIO(data))
            for name, data in files.items()
            if name in manifest["files"]
        }
        manifest["total_sha256"] = total_sha256(manifest["files"])
        files["manifest.json"] = json.dumps(manifest).encode()
    return write(dest, files)


def edit_line(files: dict[str, bytes], entity: str, **values) -> None:
    """Set `values` on the first row of `entity`."""
    name = f"entities/{entity}.jsonl"
    lines = files[name].splitlines(keepends=True)
    row = json.loads(lines[0])
    row.update(values)
    lines[0] = json.dumps(row).encode() + b"\n"
    files[name] = b"".join(lines)
