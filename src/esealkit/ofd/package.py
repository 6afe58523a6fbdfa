"""Safe reading of OFD packages (OFD 文档包): a ZIP of XML parts, read with hard limits.

Nothing in a package is trusted: entry names are checked and normalised, sizes declared in
the ZIP directory are checked up front *and* every read is bounded while it decompresses,
and XML is parsed with entities, DTDs and network access off.  Every problem is a
:class:`~esealkit.errors.MalformedInput` (a ``FORMAT_FAILURE`` in reports)::

    >>> pkg = OfdPackage.from_bytes(open("invoice.ofd", "rb").read())   # doctest: +SKIP
    >>> root = pkg.read_xml(pkg.resolve("/OFD.xml"))                     # doctest: +SKIP
    >>> pkg.resolve("Sign_0/Signature.xml", base="Doc_0/Signs/Signatures.xml")  # doctest: +SKIP
    'Doc_0/Signs/Sign_0/Signature.xml'

Paths inside esealkit are ZIP entry names (no leading slash, "/" separated); OFD files refer
to them either absolutely ("/Doc_0/Document.xml") or relative to the referring file.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree  # type: ignore[import-untyped]

from esealkit.crypto import digest_name, hasher
from esealkit.errors import MalformedInput

__all__ = ["Limits", "OfdPackage", "is_ofd", "normalize_path", "parse_xml", "read_source"]

_MiB = 1024 * 1024

# What zipfile, zlib and struct raise on damaged archives.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    IndexError,
    OverflowError,
    NotImplementedError,
    RuntimeError,
    UnicodeDecodeError,
)


@dataclass(frozen=True)
class Limits:
    """Hard limits for reading one package; the defaults suit real invoices and licences.

    ``max_ratio`` bounds uncompressed/compressed size for entries larger than
    ``ratio_floor`` (tiny parts compress very well legitimately).  ``max_xml_size`` bounds
    every part read whole into memory: XML parts, signature values, seals.
    """

    max_package_size: int = 512 * _MiB
    max_entries: int = 10_000
    max_entry_size: int = 256 * _MiB
    max_total_size: int = 1024 * _MiB
    max_ratio: int = 200
    ratio_floor: int = 1 * _MiB
    max_xml_size: int = 32 * _MiB
    chunk_size: int = 64 * 1024


DEFAULT_LIMITS = Limits()


def read_source(source: str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO,
                limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of a package given as a path, bytes or a binary file object (bounded)."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        size = os.stat(source).st_size
        if size > limits.max_package_size:
            raise MalformedInput(f"package is {size} bytes, over the limit of {limits.max_package_size}")
        with open(source, "rb") as fh:
            data = fh.read(limits.max_package_size + 1)
    elif hasattr(source, "read"):
        data = source.read(limits.max_package_size + 1)
        if not isinstance(data, bytes):
            raise TypeError("the file object must be opened in binary mode")
    else:
        raise TypeError(f"cannot read an OFD package from {type(source).__name__}")
    if len(data) > limits.max_package_size:
        raise MalformedInput(f"package is over the limit of {limits.max_package_size} bytes")
    return data


def normalize_path(ref: str, base: str | None = None) -> str:
    """The ZIP entry name an OFD path refers to.

    ``ref`` is absolute ("/Doc_0/Document.xml") or relative to the entry ``base`` (a ZIP
    entry name, e.g. "Doc_0/Document.xml").  Rejects "..", backslashes, NUL, drive
    letters, URLs and empty segments.
    """
    text = ref.strip()
    if not text:
        raise MalformedInput("empty path")
    if "\x00" in text or "\\" in text:
        raise MalformedInput(f"path {ref!r} contains a NUL or a backslash")
    if text.startswith("//") or ":" in text.split("/", 1)[0]:
        raise MalformedInput(f"path {ref!r} is an OS path or URL, not a package path")
    if text.startswith("/"):
        parts = text[1:].split("/")
    else:
        base_dir = base.rsplit("/", 1)[0].split("/") if base and "/" in base else []
        parts = [*base_dir, *text.split("/")]
    out: list[str] = []
    for part in parts:
        if part == ".":
            continue
        if part == "..":
            raise MalformedInput(f"path {ref!r} leaves its folder with '..'")
        if part == "":
            raise MalformedInput(f"path {ref!r} has an empty segment")
        out.append(part)
    if not out:
        raise MalformedInput(f"path {ref!r} names no file")
    return "/".join(out)


def _check_entry_name(name: str) -> None:
    bare = name[:-1] if name.endswith("/") else name
    if not bare:
        raise MalformedInput("ZIP entry with an empty name")
    if bare.startswith("/") or "\\" in bare or "\x00" in bare or ":" in bare.split("/", 1)[0]:
        raise MalformedInput(f"ZIP entry name {name!r} is an absolute or OS-specific path")
    for part in bare.split("/"):
        if part in ("", ".", ".."):
            raise MalformedInput(f"ZIP entry name {name!r} has an empty, '.' or '..' segment")


_DOCTYPE_MARKERS = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))


def parse_xml(data: bytes, name: str = "XML part") -> etree._Element:
    """Parse one XML part safely: no DTD, no entities, no network, no huge trees."""
    if any(marker in data for marker in _DOCTYPE_MARKERS):
        raise MalformedInput(f"{name}: a DOCTYPE is not allowed in OFD XML")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
        dtd_validation=False, remove_comments=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise MalformedInput(f"{name}: not well-formed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise MalformedInput(f"{name}: a DOCTYPE is not allowed in OFD XML")
    return root


class OfdPackage:
    """An opened OFD package.  Reads are bounded; digests are cached per entry."""

    def __init__(self, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
        self.data = data
        self.limits = limits
        self._total = 0
        self._digests: dict[tuple[str, str], bytes] = {}
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except _ZIP_ERRORS as exc:
            raise MalformedInput(f"not a readable ZIP package: {exc}") from exc
        if len(infos) > limits.max_entries:
            raise MalformedInput(f"package has {len(infos)} entries, over the limit of {limits.max_entries}")
        self._infos: dict[str, zipfile.ZipInfo] = {}
        declared_total = 0
        for info in infos:
            _check_entry_name(info.filename)
            if info.filename in self._infos or info.filename.rstrip("/") in self._infos:
                raise MalformedInput(f"duplicate ZIP entry {info.filename!r}")
            if info.flag_bits & 0x1:
                raise MalformedInput(f"ZIP entry {info.filename!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise MalformedInput(f"ZIP entry {info.filename!r} uses unsupported compression {info.compress_type}")
            self._check_sizes(info.filename, info.file_size, info.compress_size)
            declared_total += info.file_size
            self._infos[info.filename.rstrip("/") if info.is_dir() else info.filename] = info
        if declared_total > limits.max_total_size:
            raise MalformedInput(f"package declares {declared_total} uncompressed bytes, over the limit of {limits.max_total_size}")
        self.files: tuple[str, ...] = tuple(n for n, i in self._infos.items() if not i.is_dir())

    @classmethod
    def from_bytes(cls, data: bytes, limits: Limits = DEFAULT_LIMITS) -> OfdPackage:
        return cls(data, limits)

    def _check_sizes(self, name: str, size: int, compressed: int) -> None:
        limits = self.limits
        if size > limits.max_entry_size:
            raise MalformedInput(f"ZIP entry {name!r} is {size} bytes uncompressed, over the limit of {limits.max_entry_size}")
        if size > limits.ratio_floor and size > limits.max_ratio * max(compressed, 1):
            raise MalformedInput(
                f"ZIP entry {name!r} expands {size // max(compressed, 1)}:1, over the limit of {limits.max_ratio}:1 (zip bomb?)"
            )

    def exists(self, name: str) -> bool:
        info = self._infos.get(name)
        return info is not None and not info.is_dir()

    def resolve(self, ref: str, base: str | None = None) -> str:
        """The entry name for an OFD path (see :func:`normalize_path`); need not exist."""
        return normalize_path(ref, base)

    def _chunks(self, name: str, cap: int) -> Iterator[bytes]:
        info = self._infos.get(name)
        if info is None or info.is_dir():
            raise MalformedInput(f"the package has no file /{name}")
        produced = 0
        try:
            with self._zip.open(info) as stream:
                while True:
                    chunk = stream.read(self.limits.chunk_size)
                    if not chunk:
                        break
                    produced += len(chunk)
                    self._total += len(chunk)
                    if produced > cap:
                        raise MalformedInput(f"/{name} is larger than the limit of {cap} bytes")
                    if self._total > self.limits.max_total_size:
                        raise MalformedInput(f"package expands beyond the limit of {self.limits.max_total_size} bytes")
                    self._check_sizes(name, produced, info.compress_size)
                    yield chunk
        except _ZIP_ERRORS as exc:
            raise MalformedInput(f"/{name} cannot be read from the ZIP package: {exc}") from exc

    def read(self, name: str, limit: int | None = None) -> bytes:
        """The bytes of one entry, at most ``limit`` (default ``max_xml_size``) bytes."""
        cap = self.limits.max_xml_size if limit is None else limit
        return b"".join(self._chunks(name, cap))

    def read_xml(self, name: str) -> etree._Element:
        """One XML entry, parsed safely."""
        return parse_xml(self.read(name), f"/{name}")

    def digest(self, name: str, algorithm: str) -> bytes:
        """The digest of one entry, streamed (cached per entry and algorithm)."""
        canonical = digest_name(algorithm)
        key = (name, canonical)
        if key not in self._digests:
            h = hasher(canonical)
            for chunk in self._chunks(name, self.limits.max_entry_size):
                h.update(chunk)
            self._digests[key] = h.digest()
        return self._digests[key]


def is_ofd(data: bytes) -> bool:
    """True when ``data`` is a ZIP package with an ``OFD.xml`` entry at its root."""
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return any(name == "OFD.xml" for name in zf.namelist())
    except _ZIP_ERRORS:
        return False
