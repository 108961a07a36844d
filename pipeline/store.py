"""Reading and writing records: the one module besides the graph loader that touches files.

Stages are pure functions over records; the CLI uses these helpers at the edges.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from pipeline.errors import InputError, ResourceError
from pipeline.models import from_jsonable, to_jsonable

T = TypeVar("T")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and rename, so readers never see half a file."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """:func:`atomic_write_text` of bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are for other tools and users too
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_concatenate(path: Path, pieces: Iterable[bytes | Path]) -> None:
    """Write ``pieces`` (bytes, or files whose content is copied) one after the other into
    ``path`` via a temporary file and rename. Files are copied by the kernel
    (``copy_file_range``) where it can, without passing through this process.

    Two costs of replacing a large file are kept off the caller's path (each about a third of
    writing it, measured on ext4): the temporary file's blocks are reserved up front
    (``posix_fallocate``), so the rename finds no delayed allocation to flush; and the replaced
    file is held open across the rename and closed on another thread, which frees its blocks
    (:func:`release_replaced` waits for that)."""
    pieces = list(pieces)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as sink:
            size = sum(len(p) if isinstance(p, bytes) else p.stat().st_size for p in pieces)
            if size >= _RESERVE_FROM:
                with contextlib.suppress(OSError):  # not supported here: written as it comes
                    os.posix_fallocate(sink.fileno(), 0, size)
            for piece in pieces:
                if isinstance(piece, bytes):
                    sink.write(piece)
                    continue
                sink.flush()
                with piece.open("rb") as source:
                    _copy_file(source.fileno(), sink.fileno())
            sink.flush()  # then no tail is left by a piece that shrank since its size was read
            os.ftruncate(sink.fileno(), os.lseek(sink.fileno(), 0, os.SEEK_CUR))
        os.chmod(tmp, 0o644)
        held = _open_replaced(path)
        try:
            os.replace(tmp, path)
        finally:
            if held is not None:
                _release(held)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: files from this size are reserved before they are written (small ones gain nothing)
_RESERVE_FROM = 1 << 20
_releasing: list[Future[None]] = []
_releaser: ThreadPoolExecutor | None = None
_release_lock = threading.Lock()


def _open_replaced(path: Path) -> int | None:
    """A descriptor on the large file at ``path``, about to be replaced (``None``: no such file,
    or a small one)."""
    try:
        if path.stat().st_size < _RESERVE_FROM:
            return None
        return os.open(path, os.O_RDONLY)
    except OSError:  # not there (the first write), or unreadable: replaced as it is
        return None


def _release(held: int) -> None:
    """Close ``held`` on the releasing thread: the replaced file's blocks are freed there, when
    its last descriptor goes."""
    global _releaser
    with _release_lock:
        if _releaser is None:
            _releaser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="release")
        _releasing.append(_releaser.submit(os.close, held))


def release_replaced() -> None:
    """Wait until the files replaced by :func:`atomic_concatenate` are freed (a run calls it
    before it returns, so none outlives the run)."""
    with _release_lock:
        pending = _releasing[:]
        _releasing.clear()
    for future in pending:
        future.result()


def _copy_file(source: int, sink: int) -> None:
    """Append the whole of file ``source`` to file ``sink`` (both at their current offsets)."""
    size = os.fstat(source).st_size
    done = 0
    copy_range = getattr(os, "copy_file_range", None)
    while done < size:
        try:
            sent = (
                copy_range(source, sink, size - done)
                if copy_range is not None
                else os.sendfile(sink, source, None, size - done)
            )
        except OSError:  # not across these file systems: plain reads and writes
            os.lseek(source, done, os.SEEK_SET)
            while chunk := os.read(source, 1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(sink, view) :]
            return
        if sent == 0:
            return
        done += sent


def write_json(path: Path, record: Any, *, indent: int | None = 2) -> None:
    text = json.dumps(to_jsonable(record), ensure_ascii=False, sort_keys=True, indent=indent)
    atomic_write_text(path, text + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_record(path: Path, cls: type[T]) -> T:
    return from_jsonable(cls, read_json(path))


def record_stem(doc_id: str) -> str:
    """File stem for a document's per-document records: ``003_ab#0`` -> ``003_ab.0``.

    >>> record_stem("003_e14da291fa1a9871#0")
    '003_e14da291fa1a9871.0'
    """
    return doc_id.replace("#", ".")


#: The usual raw suffix: a ``.txt`` file's key is its stem, so common names keep their ids.
PLAIN_SUFFIX = ".txt"
#: Longest key, in UTF-8 bytes: record file names add ``.<index>.json`` within the 255-byte limit.
MAX_KEY_BYTES = 200
_KEY_ASCII = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def source_key(name: str) -> str:
    """The document key of the raw file ``name``: unique per name, deterministic, and safe in file
    names and IRIs; :class:`InputError` for a name that cannot be used safely.

    A ``.txt`` file's key is its stem (``000_84d2.txt`` -> ``000_84d2``). Other characters than
    ASCII letters, digits, ``-_.`` and printable non-ASCII characters (letters, digits, marks,
    punctuation such as 《》〔〕, symbols; not spaces) are written ``~HH`` (their
    UTF-8 bytes), and a name that does not end in ``.txt`` keeps its suffix and gets a final
    ``~``. Decoding gives the name back, so two names never share a key (``plan A.txt`` ->
    ``plan~20A``, ``planA.txt`` -> ``planA``, ``a.md`` -> ``a.md~``). Non-ASCII letters are kept
    as written unless Unicode normalisation (which IRIs apply) would change the key; then they are
    escaped too.

    >>> source_key("000_84d2e6405c0b6c5b.txt"), source_key("plan A.txt"), source_key("规划#1.md")
    ('000_84d2e6405c0b6c5b', 'plan~20A', '规划~231.md~')
    >>> source_key("a" + chr(10) + "b.txt")
    Traceback (most recent call last):
    ...
    pipeline.errors.InputError: [E100] a file name with control characters cannot be used safely (rename the file)
    """
    import unicodedata

    unsafe = next(
        (c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn")), None
    )
    if unsafe is not None or not name or name in (".", ".."):
        what = (
            "control characters"
            if unsafe is not None and unicodedata.category(unsafe) in ("Cc", "Cf")
            else (
                "undecodable bytes or unassigned characters"
                if unsafe is not None
                else "no characters"
            )
        )
        raise InputError(f"a file name with {what} cannot be used safely", hint="rename the file")
    plain = name.endswith(PLAIN_SUFFIX) and len(name) > len(PLAIN_SUFFIX)
    base = name[: -len(PLAIN_SUFFIX)] if plain else name

    def escape(char: str) -> str:
        return "".join(f"~{b:02X}" for b in char.encode("utf-8"))

    def kept(char: str) -> bool:
        return char in _KEY_ASCII or (
            ord(char) >= 0xA0 and unicodedata.category(char)[0] in "LNPSM"
        )

    key = "".join(c if kept(c) else escape(c) for c in base)
    if unicodedata.normalize("NFC", key) != key:
        key = "".join(c if c in _KEY_ASCII else escape(c) for c in base)
    key += "" if plain else "~"
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise InputError(
            "the file name is too long to name its records", hint="shorten the file name"
        )
    return key


def display_name(name: object) -> str:
    """A file name or path as one printable line (quoted when it holds control characters).

    >>> display_name("a.txt"), len(display_name("a" + chr(10) + "b.txt").splitlines())
    ('a.txt', 1)
    """
    text = str(name)
    return text if text.isprintable() else repr(text)


def files_by_stem(directory: Path, suffix: str) -> dict[str, Path]:
    """The files of ``directory`` named ``*<suffix>`` (hidden ones left out, as ``glob`` does),
    by stem, in name order; empty when it does not exist. One ``scandir``: a corpus's per-document
    files are listed on every run, and ``glob`` with sorting paths cost 0.1-0.2 s at 2 000."""
    try:
        with os.scandir(directory) as entries:
            names = sorted(e.name for e in entries if e.name.endswith(suffix) and e.name[0] != ".")
    except (FileNotFoundError, NotADirectoryError):
        return {}
    return {name[: -len(suffix)]: directory / name for name in names}


def record_path(directory: Path, doc_id: str, suffix: str = ".json") -> Path:
    return directory / f"{record_stem(doc_id)}{suffix}"


def read_raw(path: Path) -> bytes:
    """The bytes of a raw file (``data/raw`` is never written); :class:`InputError` if it is not
    a regular file by the time it is opened (a FIFO, a device: reading one could block or never end)."""
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(
                f"{display_name(path)}: not a regular file", hint="put only files in data/raw"
            )
        return fh.read()


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """A YAML resource file holding a mapping; :class:`ResourceError` naming the file otherwise.

    Read with libyaml's loader where PyYAML has it (the same objects, eight times faster: the
    resources are read whenever the spaCy pipeline is built)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except FileNotFoundError as exc:
        raise ResourceError(f"{path} is missing", hint="restore it from the repository") from exc
    except yaml.YAMLError as exc:
        raise ResourceError(f"{path} is not valid YAML: {exc}", hint="fix the file") from exc
    if not isinstance(data, dict):
        raise ResourceError(f"{path} must hold a mapping at the top level", hint="fix the file")
    return data


def raw_dir_entries(directory: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files of a raw directory to read, sorted, and the entries skipped with the reason.

    Hidden entries are ignored. A symbolic link is followed only when it resolves to a regular
    file inside ``directory``; links leading out (``passwd.txt -> /etc/passwd``) or dangling,
    subdirectories (raw files are not searched for below it) and special files are skipped.
    """
    import stat

    root = directory.resolve()
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in sorted(directory.iterdir()):
        if path.name.startswith("."):
            continue
        try:
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                target = path.resolve()
                if not target.is_relative_to(root):
                    skipped.append((path, "a symbolic link leading outside the raw directory"))
                elif not target.is_file():
                    skipped.append((path, "a symbolic link to no regular file"))
                else:
                    files.append(path)
            elif stat.S_ISDIR(mode):
                skipped.append(
                    (path, "a directory, not a file (raw files are not read from subdirectories)")
                )
            elif not stat.S_ISREG(mode):
                skipped.append((path, "not a regular file (a device, pipe or socket)"))
            else:
                files.append(path)
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
            skipped.append((path, f"cannot be examined ({getattr(exc, 'strerror', None) or exc})"))
    return files, skipped


def raw_files(paths: Iterable[Path], skipped: list[tuple[Path, str]] | None = None) -> list[Path]:
    """The named files plus the files inside named directories (:func:`raw_dir_entries`), sorted;
    what a directory holds besides is appended to ``skipped`` (path, reason)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            files, passed = raw_dir_entries(path)
            found += files
            if skipped is not None:
                skipped += passed
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(
                f"{display_name(path)}: no such file or directory", hint="check the raw path"
            )
    return found
