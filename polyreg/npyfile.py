"""Read ``.npy`` / ``.npz`` files from untrusted sources: no pickle, sizes checked first.

``np.load`` of an ``.npz`` decompresses a member when it is read, and allocates the shape its
header declares: a 2 MB zip can expand to gigabytes. :func:`load` reads every member's
``.npy`` header (a few hundred bytes of the stream) and the zip's declared uncompressed sizes,
and refuses the file before reading any data when

* an array declares more than :data:`MAX_ELEMENTS` elements,
* the arrays (or the zip members) add up to more than :data:`MAX_BYTES` bytes,
* an array holds Python objects (its dtype needs pickle), or a member is not an ``.npy`` array.

Arrays are then read with ``allow_pickle=False``.
"""

from __future__ import annotations

import os
import zipfile
from typing import IO, Any

import numpy as np
from numpy.lib import format as npformat

from .errors import PolyregError

__all__ = ["MAX_BYTES", "MAX_ELEMENTS", "ArrayFileError", "load", "load_npz"]

#: total uncompressed bytes of the arrays of one file (2 GiB)
MAX_BYTES = 2 * 1024**3
#: elements of one array (2**28: 2 GiB as float64)
MAX_ELEMENTS = 2**28

_ZIP_MAGIC = b"PK\x03\x04"


class ArrayFileError(PolyregError, ValueError):
    """An ``.npy`` / ``.npz`` file that is refused before reading: too large, holds objects,
    or is not made of ``.npy`` arrays."""


def _gib(n: int) -> str:
    return f"{n / 1024**3:.3g} GiB"


def _header(handle: IO[bytes]) -> tuple[tuple[int, ...], np.dtype]:
    version = npformat.read_magic(handle)
    if version == (1, 0):
        shape, _, dtype = npformat.read_array_header_1_0(handle)
    elif version == (2, 0):
        shape, _, dtype = npformat.read_array_header_2_0(handle)
    else:  # 3.0 (utf-8 field names): no public reader
        shape, _, dtype = npformat._read_array_header(handle, version)  # type: ignore[attr-defined]  # private numpy API, not in its stubs
    return tuple(int(s) for s in shape), np.dtype(dtype)


def _check_array(where: str, shape: tuple[int, ...], dtype: np.dtype) -> int:
    """Bytes the array declares; refuses object dtypes and too many elements."""
    if dtype.hasobject:
        raise ArrayFileError(f"{where} holds Python objects ({dtype}), which need pickle to read")
    elements = 1
    for s in shape:
        elements *= s
    if elements > MAX_ELEMENTS:
        raise ArrayFileError(
            f"{where} declares shape {shape} ({elements:,} elements), above the limit of "
            f"{MAX_ELEMENTS:,} elements per array (polyreg.npyfile.MAX_ELEMENTS); not read"
        )
    return elements * dtype.itemsize


def check_npz(path: str | os.PathLike[str]) -> None:
    """Refuse an ``.npz`` whose members are too large or not plain ``.npy`` arrays, reading
    only the zip directory and each member's ``.npy`` header.

    Raises
    ------
    ArrayFileError
    zipfile.BadZipFile, ValueError, OSError
        Not a readable zip, or a malformed ``.npy`` header.
    """
    name = os.fspath(path)
    total = declared = 0
    with zipfile.ZipFile(name) as archive:
        for info in archive.infolist():
            where = f"{name!r}: member {info.filename!r}"
            if not info.filename.endswith(".npy"):
                raise ArrayFileError(f"{where} is not an .npy array")
            declared += info.file_size
            if declared > MAX_BYTES:
                raise ArrayFileError(
                    f"{where}: the members declare {_gib(declared)} uncompressed, above the "
                    f"limit of {_gib(MAX_BYTES)} (polyreg.npyfile.MAX_BYTES); not decompressed"
                )
            with archive.open(info) as handle:
                shape, dtype = _header(handle)
            total += _check_array(where, shape, dtype)
            if total > MAX_BYTES:
                raise ArrayFileError(
                    f"{where} declares shape {shape} of {dtype}: the arrays add up to "
                    f"{_gib(total)}, above the limit of {_gib(MAX_BYTES)} "
                    "(polyreg.npyfile.MAX_BYTES); not decompressed"
                )


def load_npz(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """All arrays of an ``.npz``, after :func:`check_npz`, without pickle.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
    >>> np.savez(path, A=np.eye(2), b=np.ones(2))
    >>> sorted(load_npz(path))
    ['A', 'b']
    """
    check_npz(path)
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def load(path: str | os.PathLike[str]) -> Any:
    """Like ``np.load(path, allow_pickle=False)``, with the sizes checked before reading: an
    ndarray for an ``.npy`` file, a dict of arrays for an ``.npz``.

    Raises
    ------
    ArrayFileError
        Too large, or objects (see the module docstring).
    ValueError, OSError
        Neither format, or unreadable.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npy"); np.save(path, np.arange(3))
    >>> load(path).tolist()
    [0, 1, 2]
    """
    with open(path, "rb") as handle:
        magic = handle.read(len(_ZIP_MAGIC))
        if magic == _ZIP_MAGIC:
            handle.close()
            return load_npz(path)
        handle.seek(0)
        if magic.startswith(npformat.MAGIC_PREFIX[:4]):
            shape, dtype = _header(handle)
            where = f"{os.fspath(path)!r}"
            nbytes = _check_array(where, shape, dtype)
            if nbytes > MAX_BYTES:
                raise ArrayFileError(
                    f"{where} declares shape {shape} of {dtype} ({_gib(nbytes)}), above the "
                    f"limit of {_gib(MAX_BYTES)} (polyreg.npyfile.MAX_BYTES); not read"
                )
    return np.load(path, allow_pickle=False)
