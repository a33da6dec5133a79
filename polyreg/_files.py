"""Writing the user's files without destroying anything: the one place polyreg writes them.

Every file polyreg writes for the user (``--out`` of every command, :meth:`Network.save`,
:func:`polyreg.graph.write_graph`, store exports, fixtures, plots) goes through
:func:`open_output`, which chooses by what the destination *is*:

* a regular file, or a path that does not exist yet: written **atomically** -- a temporary file
  ``.NAME.PID.HEX.tmp`` in the same directory, flushed, then renamed over ``NAME``; the old
  file's permission bits are kept, and a failure leaves the old file untouched;
* a **symbolic link**: its resolved target is written (atomically, as above); the link stays a
  link;
* a **character device or FIFO** (``/dev/stdout``, ``/dev/null``, a pipe): **streamed** into it
  (opened for writing, never created, truncated-by-replace or renamed over); so is a regular
  file named through an open descriptor (``/dev/stdout``, ``/dev/fd/N``, ``/proc/...``: the
  shell's ``> file``), appended to;
* a directory, socket or block device: refused with :class:`OutputError`.

Temporary files of that naming left by a killed process (``kill -9`` during a write) are removed
by the next write to the same destination, when the process id in their name is no longer alive
(:func:`clean_stale`); nothing else is touched.

:func:`refuse_same_file` refuses an output that is one of the command's inputs (same inode when
both exist, same resolved path otherwise), and :class:`FileLock` is the exclusive lock of a run
(a store being written) by one process.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from collections.abc import Iterable, Iterator

from .errors import PolyregError

__all__ = [
    "Busy", "FileLock", "OutputError", "check_output", "clean_stale", "destination",
    "open_output", "pid_alive", "refuse_same_file", "resolve", "temp_path",
]


class OutputError(PolyregError, ValueError):
    """An output that cannot be written safely: a directory, socket or block device, a missing
    or unwritable directory, or a file that is also an input of the command."""


class Busy(PolyregError, RuntimeError):
    """A file locked by another running process (a store being resumed or written)."""


#: our temporary names: ``.NAME.PID.HEX.tmp`` (older versions: ``.NAME.PID.tmp``), fixture
#: directories ``.NAME.PID.old``, and SQLite's side files of a temporary store
_STALE = r"\.{name}\.(\d+)(?:\.[0-9a-f]+)?\.(?:tmp|old)(?:-wal|-shm|-journal)?"


def resolve(path: str | os.PathLike[str]) -> Path:
    """``path`` with every symbolic link resolved (also a dangling one, to the path its target
    would have).

    Examples
    --------
    >>> import os, tempfile
    >>> d = os.path.realpath(tempfile.mkdtemp())
    >>> os.symlink("real.json", os.path.join(d, "link.json"))
    >>> resolve(os.path.join(d, "link.json")) == Path(d, "real.json")
    True
    """
    return Path(os.path.realpath(os.fspath(path)))


def destination(path: str | os.PathLike[str], what: str = "--out") -> tuple[Path, bool]:
    """Where to write ``path`` and how: ``(target, stream)``.

    ``stream`` is True for a character device or FIFO, or a regular file named through an
    open descriptor such as ``/dev/stdout`` (write into it directly; ``target`` is ``path``),
    False for a regular file or a new path (write atomically; ``target`` is ``path`` with
    symbolic links resolved).

    Raises
    ------
    OutputError
        ``path`` is a directory, a socket or a block device, or its directory does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> destination(os.path.join(tempfile.mkdtemp(), "new.json"))[1]
    False
    >>> destination(os.devnull)[1]
    True
    >>> destination(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    polyreg._files.OutputError: --out: '...' is a directory; give a file name
    """
    given = Path(path)
    try:
        mode = os.stat(given).st_mode  # through every link, /dev/stdout's included
    except FileNotFoundError:
        target = resolve(given)
        if not target.parent.is_dir():
            raise OutputError(f"{what}: directory {str(target.parent)!r} does not exist") from None
        return target, False
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return given, True  # opened by the name given: /proc/self/fd/1 -> pipe:[N] is no path
    if stat.S_ISREG(mode):
        if _is_descriptor(given):
            return given, True  # /dev/stdout redirected to a file: write where the shell opened
        return resolve(given), False
    kind = ("a directory" if stat.S_ISDIR(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a block device" if stat.S_ISBLK(mode) else "not a regular file")
    target = resolve(given)
    shown = str(path) if given == target else f"{path} (-> {target})"
    raise OutputError(f"{what}: {shown!r} is {kind}; give a file name")


#: names of open descriptors (``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/1``)
_DESCRIPTORS = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/")


def _is_descriptor(path: Path) -> bool:
    text = os.path.abspath(path)
    return any(text == d or text.startswith(d) for d in _DESCRIPTORS if d.endswith("/")) or \
        text in _DESCRIPTORS


def check_output(path: str | os.PathLike[str], what: str = "--out") -> None:
    """Fail before a long run when ``path`` cannot be written (:func:`destination`, and the
    directory of a file written atomically must be writable).

    Examples
    --------
    >>> import tempfile
    >>> check_output("/no/such/dir/out.json")
    Traceback (most recent call last):
    ...
    polyreg._files.OutputError: --out: directory '/no/such/dir' does not exist
    """
    target, stream = destination(path, what)
    if not stream and not os.access(target.parent, os.W_OK):
        raise OutputError(f"{what}: directory {str(target.parent)!r} is not writable")


def temp_path(target: Path) -> Path:
    """A fresh temporary name next to ``target``: ``.NAME.PID.HEX.tmp``."""
    return target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (on this machine).

    Examples
    --------
    >>> pid_alive(os.getpid())
    True
    """
    if pid <= 0:
        return True  # not a process id we wrote: never treat as dead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return True
    return True


def clean_stale(target: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files (and fixture directories) of our own naming for ``target``
    left by processes that are no longer alive; return what was removed.

    Only names ``.NAME.PID[.HEX].tmp`` / ``.old`` (and SQLite's ``-wal``/``-shm``/``-journal``
    of them) next to ``target`` whose PID is not a running process are touched; a file being
    written by a live process, ours included, is left alone.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> open(os.path.join(d, ".out.json.999999999.1a2b3c4d.tmp"), "w").close()
    >>> open(os.path.join(d, ".out.json.keep"), "w").close()
    >>> [p.name for p in clean_stale(os.path.join(d, "out.json"))]
    ['.out.json.999999999.1a2b3c4d.tmp']
    >>> sorted(os.listdir(d))
    ['.out.json.keep']
    """
    target = Path(target)
    pattern = re.compile(_STALE.format(name=re.escape(target.name)))
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if m is None:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or pid_alive(pid):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue  # gone already, or not ours to remove: leave it
        removed.append(Path(entry.path))
    return removed


@contextmanager
def open_output(
    path: str | os.PathLike[str],
    mode: str = "w",
    *,
    what: str = "--out",
    encoding: str | None = None,
    newline: str | None = None,
) -> Iterator[IO[Any]]:
    """Open ``path`` for writing the safe way (see the module docstring): a handle to a
    temporary file renamed over the (symlink-resolved) destination when the block ends without
    an exception, or, for a character device or FIFO, a handle to the device itself.

    Parameters
    ----------
    path : path-like
    mode : {"w", "wb"}
    what : str
        How the path is named in error messages (``--out``, ``store``, ...).
    encoding, newline : str, optional
        As for :func:`open` (text mode; ``encoding`` defaults to UTF-8).

    Raises
    ------
    OutputError
        A directory, socket or block device, or a missing directory (:func:`destination`).

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> with open(os.path.join(d, "real.txt"), "w") as f:
    ...     _ = f.write("old")
    >>> os.symlink("real.txt", os.path.join(d, "link.txt"))
    >>> with open_output(os.path.join(d, "link.txt")) as f:
    ...     _ = f.write("new")
    >>> os.path.islink(os.path.join(d, "link.txt")), open(os.path.join(d, "real.txt")).read()
    (True, 'new')
    >>> sorted(os.listdir(d))
    ['link.txt', 'real.txt']
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    target, stream = destination(path, what)
    kwargs: dict[str, Any] = {}
    if mode == "w":
        kwargs = {"encoding": encoding or "utf-8", "newline": newline}
    if stream:
        # no O_CREAT, no O_TRUNC: a device or pipe is written into, never replaced (a regular
        # file behind /dev/stdout is appended to, as the shell's `>`/`>>` left it)
        flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0)
        if stat.S_ISREG(os.stat(target).st_mode):
            flags |= os.O_APPEND
        fd = os.open(target, flags)
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
        return
    clean_stale(target)
    try:
        old_mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        old_mode = None
    tmp = temp_path(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if old_mode is not None:
            os.chmod(tmp, old_mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether ``a`` and ``b`` name one file: the same inode when both exist, else the same
    path once symbolic links are resolved.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> same_file(os.path.join(d, "a.json"), os.path.join(d, ".", "a.json"))
    True
    """
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return resolve(a) == resolve(b)


def refuse_same_file(
    outputs: Iterable[tuple[str, str | os.PathLike[str] | None]],
    inputs: Iterable[tuple[str, str | os.PathLike[str] | None]],
) -> None:
    """Refuse (``OutputError``) when an output is one of the inputs, or two outputs are one
    file. Each item is ``(name, path)``; ``None`` paths are skipped.

    Examples
    --------
    >>> refuse_same_file([("--out", "run.json")], [("the store", "./run.json")])
    Traceback (most recent call last):
    ...
    polyreg._files.OutputError: --out 'run.json' is the store './run.json'; refusing to overwrite it: choose another output file
    """  # noqa: E501 - a doctest's exception message is one line
    outs = [(n, p) for n, p in outputs if p is not None]
    ins = [(n, p) for n, p in inputs if p is not None]
    for i, (name, out) in enumerate(outs):
        for other, path in ins + outs[:i]:
            if same_file(out, path):
                raise OutputError(
                    f"{name} {str(out)!r} is {other} {str(path)!r}; refusing to overwrite it: "
                    "choose another output file"
                )


class FileLock:
    """An exclusive lock of ``resource`` held by this process: ``fcntl.flock`` on the side
    file ``RESOURCE.lock`` (holding our PID and ``doing``, for the message another process
    gets), released by :meth:`release` or when the process
    dies (``kill -9`` included); the side file is removed on release.

    Raises
    ------
    Busy
        Another process holds the lock (its PID is in the message).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "run.sqlite")
    >>> lock = FileLock(path)
    >>> os.path.exists(path + ".lock")
    True
    >>> lock.release(); os.path.exists(path + ".lock")
    False
    """

    def __init__(self, resource: str | os.PathLike[str], what: str = "this store",
                 doing: str = "used") -> None:
        self.path = Path(str(resolve(resource)) + ".lock")
        self.fd: int | None = None
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                try:  # the holder wrote "PID VERB"
                    held = os.read(fd, 64).decode("ascii", "replace").split()
                finally:
                    os.close(fd)
                pid = held[0] if held else "?"
                verb = " ".join(held[1:]) or "used"
                raise Busy(f"{what} {str(resource)!r} is being {verb} by process {pid} "
                           f"(lock {str(self.path)!r}); wait for it to finish") from None
            # the holder before us may have removed the file after we opened it: then our
            # lock is on an unlinked inode and means nothing; take the new file's lock
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {doing}\n".encode())
        self.fd = fd

    def release(self) -> None:
        """Remove the side file and drop the lock (idempotent)."""
        if self.fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
