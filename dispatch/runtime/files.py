"""Output files and folders written whole or not at all, and output paths checked before the work.

- :func:`check_output_file` / :func:`check_output_dir` refuse, with one clear sentence, a path that
  cannot be written (a folder where a file is meant, a file where a folder is meant, a missing or
  read-only folder, ``/proc``) or that would overwrite an input; commands call them before solving or
  importing, so a bad ``--out`` costs nothing.
- :func:`replace_file` writes a file under a temporary name beside it and renames it into place.
- :class:`StagedFolder` collects a set of files (route sheets) in a temporary folder inside the target
  and moves them into place together: if anything fails, the folder keeps every previous file as it was.

Every failure is an :class:`OutputError` naming the path, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

# Prefix of the temporary files and folders written beside (or inside) an output.
TEMP_PREFIX = ".dispatch-partial-"


class OutputError(ValueError):
    """An output path that cannot be written; nothing was written there."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _probe(folder: Path, what: str, path: Path) -> None:
    """Create and remove a temporary file in ``folder`` (permissions alone say nothing for root)."""
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
    except OSError as exc:
        raise OutputError(f"{what} {path}: cannot write in {folder}: {_reason(exc)}") from exc
    os.close(fd)
    os.unlink(name)


def _existing_ancestor(path: Path) -> Path:
    here = path.absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    return here


def check_output_file(path: Path, *, what: str, inputs: Sequence[Path] = (), creates_folder: bool = False) -> None:
    """Raise :class:`OutputError` unless ``path`` can be written as a file without touching ``inputs``.
    ``creates_folder``: the writer makes a missing folder, so only its nearest existing parent must be writable."""
    if path.is_dir():
        raise OutputError(f"{what} {path}: is a folder; give a file name")
    for source in inputs:
        if _same_file(path, source):
            raise OutputError(f"{what} {path}: is the input file {source}; it would be overwritten")
    folder = path.absolute().parent
    if creates_folder:
        folder = _existing_ancestor(folder)
    if not folder.is_dir():
        raise OutputError(f"{what} {path}: the folder {folder} does not exist")
    _probe(folder, what, path)


def check_output_dir(path: Path, *, what: str) -> None:
    """Raise :class:`OutputError` unless ``path`` is, or can be made, a folder this process writes in.
    Nothing is created: a missing folder is checked through its nearest existing parent."""
    if path.exists() and not path.is_dir():
        raise OutputError(f"{what} {path}: exists and is not a folder")
    base = _existing_ancestor(path)
    if not base.is_dir():
        raise OutputError(f"{what} {path}: {base} is not a folder")
    _probe(base, what, path)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.absolute() == b.absolute()


@contextlib.contextmanager
def replace_file(path: Path, *, what: str = "output", newline: str | None = None) -> Iterator[IO[str]]:
    """A text file (UTF-8) written under a temporary name beside ``path`` and renamed over it when the block
    ends without error; on an error ``path`` is as before."""
    path = Path(path)
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.absolute().parent)
    except OSError as exc:
        raise OutputError(f"{what} {path}: cannot write: {_reason(exc)}") from exc
    temp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            yield handle
        _keep_mode(path, temp)
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"{what} {path}: cannot write: {_reason(exc)}") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _keep_mode(target: Path, temp: Path) -> None:
    """The new file gets the old file's permissions, else the usual ones (mkstemp makes it 0600)."""
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temp, mode)


class StagedFolder:
    """Files written into :attr:`path` (a temporary folder inside ``target``) and moved into ``target``
    together by :meth:`commit`, replacing files of the same name; :meth:`discard` (or an error in
    :meth:`commit`) leaves ``target`` exactly as it was. Use it as a context manager: it commits when
    the block ends without error and discards otherwise."""

    def __init__(self, target: Path, *, what: str = "--out") -> None:
        self.target = Path(target)
        self.what = what
        check_output_dir(self.target, what=what)
        self._created = not self.target.exists()
        self._retired: list[Path] = []
        try:
            self.target.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=self.target))
        except OSError as exc:
            raise OutputError(f"{what} {self.target}: cannot write: {_reason(exc)}") from exc

    def __enter__(self) -> StagedFolder:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()

    def retire(self, names: Sequence[str]) -> None:
        """Remove these files of ``target`` on commit, together with the move (put back if it fails)."""
        self._retired += [self.target / name for name in names if (self.target / name).is_file()]

    def final(self, files: Sequence[Path]) -> list[Path]:
        """Where ``files`` (written under :attr:`path`) are once committed."""
        return [self.target / Path(f).relative_to(self.path) for f in files]

    def commit(self) -> None:
        """Move every staged file into place; on any failure put the previous files back and raise."""
        staged = sorted(p for p in self.path.rglob("*") if p.is_file() and not _is_backup(p, self.path))
        backup = self.path / ".previous"
        saved: list[tuple[Path, Path]] = []  # (backup copy, target)
        placed: list[Path] = []
        try:
            for source in staged:
                target = self.target / source.relative_to(self.path)
                if target.is_dir():
                    raise OutputError(f"{self.what} {self.target}: {target} is a folder; nothing was replaced")
                if target.exists():
                    keep = backup / source.relative_to(self.path)
                    keep.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(target, keep)
                    saved.append((keep, target))
            for target in self._retired:
                keep = backup / target.relative_to(self.target)
                keep.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, keep)
                saved.append((keep, target))
            for source in staged:
                target = self.target / source.relative_to(self.path)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
                placed.append(target)
        except (OSError, OutputError) as exc:
            for target in placed:
                with contextlib.suppress(OSError):
                    target.unlink()
            for keep, target in reversed(saved):
                with contextlib.suppress(OSError):
                    os.replace(keep, target)
            self.discard()
            if isinstance(exc, OutputError):
                raise
            raise OutputError(
                f"{self.what} {self.target}: cannot replace {getattr(exc, 'filename', '') or 'a file'}: "
                f"{_reason(exc)}; the folder is as it was"
            ) from exc
        shutil.rmtree(self.path, ignore_errors=True)

    def discard(self) -> None:
        """Remove the staged files (and the target folder, if this created it and it is empty)."""
        shutil.rmtree(self.path, ignore_errors=True)
        if self._created:
            with contextlib.suppress(OSError):
                self.target.rmdir()


def _is_backup(path: Path, root: Path) -> bool:
    return path.relative_to(root).parts[0] == ".previous"
