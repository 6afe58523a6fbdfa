"""Find the documents of a batch (文档发现): files, folders, globs, list files, URLs.

    >>> sources = list(discover(["docs/", "more/**/*.pdf", "s3://bucket/in/"]))  # doctest: +SKIP
    >>> sources[0].path, sources[0].size                                         # doctest: +SKIP
    ('docs/a.pdf', 48213)

Folders are walked recursively in sorted order; every file is taken, whatever its name,
because the engine sniffs the format from the content.  An argument with ``*``, ``?`` or
``[`` that names no existing file is a glob (``**`` crosses folders).  ``scheme://``
arguments other than ``file://`` go through fsspec (s3://, gs://, memory://, …).
"""

from __future__ import annotations

import glob
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

__all__ = ["Source", "discover", "is_url", "read_list", "stat_source"]

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Source:
    """One document to verify: where it is, and its size and modification time as seen
    when it was found (``size`` is -1 when it could not be seen; resume keys need both)."""

    path: str
    size: int
    mtime: float

    @property
    def key(self) -> tuple[str, int, float]:
        return (self.path, self.size, self.mtime)

    @property
    def is_url(self) -> bool:
        return is_url(self.path)


def is_url(text: str) -> bool:
    """True for ``scheme://…`` names other than ``file://``."""
    return bool(_URL_RE.match(text)) and not text.startswith("file://")


def stat_source(path: str) -> Source:
    """A local file as a :class:`Source` (size -1 when it cannot be stat'ed)."""
    try:
        st = os.stat(path)
    except OSError:
        return Source(path, -1, 0.0)
    return Source(path, st.st_size, st.st_mtime)


def _walk(folder: str) -> Iterator[Source]:
    """Every file under ``folder``, files and folders of each level in name order (the
    order of sorting the paths by their parts), streamed."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):  # like os.walk: no loops through links
            yield from _walk(entry.path)
        elif entry.is_file():
            yield stat_source(entry.path)


def _local(item: str) -> Iterator[Source]:
    if item.startswith("file://"):
        item = item[len("file://"):]
    if os.path.isdir(item):
        yield from _walk(item)
    elif not os.path.exists(item) and _GLOB_CHARS.search(item):
        for match in sorted(glob.glob(item, recursive=True)):
            if os.path.isdir(match):
                yield from _walk(match)
            elif os.path.isfile(match):
                yield stat_source(match)
    else:
        yield stat_source(item)  # missing files become a "cannot read" report


def _mtime(info: dict[str, Any]) -> float:
    for key in ("mtime", "LastModified", "last_modified", "updated", "created"):
        value = info.get(key)
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return 0.0


def _remote(url: str) -> Iterator[Source]:
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)

    def name(p: str) -> str:
        return str(fs.unstrip_protocol(p))

    if _GLOB_CHARS.search(root):
        found = fs.glob(root, detail=True)
        infos = sorted(found.items()) if isinstance(found, dict) else [(p, fs.info(p)) for p in sorted(found)]
    elif fs.isdir(root):
        infos = sorted(fs.find(root, detail=True).items())
    else:
        try:
            infos = [(root, fs.info(root))]
        except FileNotFoundError:
            yield Source(url, -1, 0.0)
            return
    for path, info in infos:
        if info.get("type", "file") == "directory":
            continue
        yield Source(name(path), int(info.get("size") or 0), _mtime(info))


def read_list(stream: TextIO) -> Iterator[str]:
    """The names in a list file: one a line; blank lines and ``#`` comments skipped."""
    for line in stream:
        text = line.strip()
        if text and not text.startswith("#"):
            yield text


def discover(inputs: Iterable[str], *, from_list: str | None = None, stdin: TextIO | None = None) -> Iterator[Source]:
    """Every document named by ``inputs`` and by the list file ``from_list`` (``-`` for
    standard input), in order."""
    items: Iterable[str] = inputs
    for item in items:
        yield from (_remote(item) if is_url(item) else _local(item))
    if from_list is not None:
        if from_list == "-":
            stream = stdin or sys.stdin
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors="surrogateescape")  # names that are not UTF-8, as the file system has them
            for item in read_list(stream):
                yield from (_remote(item) if is_url(item) else _local(item))
        else:
            # names that are not UTF-8 come back as the bytes the file system has
            with open(from_list, encoding="utf-8", errors="surrogateescape") as f:
                for item in read_list(f):
                    yield from (_remote(item) if is_url(item) else _local(item))
