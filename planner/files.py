"""Reading input files and writing output files safely.

Inputs: only regular files are read, and at most a size limit of them, so `/dev/zero`, a FIFO or a
50 MB file stop with one line before any parsing. Outputs: only regular files are written, via a
temporary file in the same folder renamed over the target, so a failure (disk full, permission
denied) leaves nothing behind and never half a file. A symlink is written through: its target is
replaced and the link kept. A device, FIFO, socket or directory is refused, never replaced.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from planner.errors import InputError


def read_limited(path: str | Path, limit_bytes: int, what: str) -> bytes:
    """The bytes of a regular file of at most `limit_bytes`; InputError (file not found, not a regular
    file, too large, unreadable) otherwise. `what` names the kind of file for the fix."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(str(path), "file not found", f"check the path to the {what}") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({_reason(exc)})", f"check the path to the {what}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(str(path), f"is not a regular file (it is a {_kind(info.st_mode)})",
                         f"give the path of a {what} file")
    _check_size(path, info.st_size, limit_bytes, what)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit_bytes + 1)  # the file may have grown since stat
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({_reason(exc)})", "check the file's permissions") from None
    _check_size(path, len(data), limit_bytes, what)
    return data


def _check_size(path: Path, size: int, limit_bytes: int, what: str) -> None:
    if size > limit_bytes:
        raise InputError(str(path), f"is {size:,} bytes, above the limit of {limit_bytes:,} bytes for a {what}",
                         f"a {what} this large is not a plausible input; check the file")


def output_target(path: str | Path, option: str = "output") -> Path:
    """The file a write to `path` replaces (symlinks followed), checked before any work is done:
    it must be absent or a regular file, in an existing folder. Raises InputError otherwise."""
    target = Path(os.path.realpath(path))
    where = f"{option} {path}"
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(where, f"cannot be checked ({_reason(exc)})", "write elsewhere") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise InputError(where, f"is a {_kind(info.st_mode)}, not a regular file; it is never replaced",
                         "give the path of a regular file (omit the option to print to standard output)")
    if not target.parent.is_dir():
        raise InputError(where, f"the folder {target.parent} does not exist", "create it or write elsewhere")
    return target


def write_atomic(path: str | Path, text: str, option: str = "output") -> None:
    """Write UTF-8 text to a regular file (see output_target) via a temporary file and a rename."""
    def write(fd: int) -> None:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)

    write_via(path, write, option)


def write_via(path: str | Path, writer: Callable[[int], None], option: str = "output", by_name: bool = False) -> None:
    """Fill a temporary file next to the target with writer(fd) (or writer(temporary path) when
    `by_name`, for libraries that open the file themselves), then rename it over the target. The
    file gets the usual permissions (0666 less the umask), not the temporary file's 0600. Any OS
    error (disk full, permission denied) becomes one InputError and the temporary file is removed."""
    target = output_target(path, option)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        if by_name:
            os.close(fd)
            writer(tmp)
        else:
            writer(fd)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise InputError(f"{option} {path}", f"cannot be written ({_reason(exc)}); nothing was written",
                         "free disk space, fix the folder's permissions, or write elsewhere") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _reason(exc: OSError) -> str:
    return exc.strerror or errno.errorcode.get(exc.errno or 0, "") or type(exc).__name__


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "directory"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISFIFO, "FIFO (named pipe)"),
                       (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "special file"
