"""The ``references`` and ``references_complete`` checks of OFD signatures: every file a
Signature.xml lists, hashed and compared with its CheckValue, and what changed after whom."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from esealkit.crypto import UnsupportedAlgorithm, digest_name
from esealkit.errors import MalformedInput
from esealkit.ofd.model import Reference, SignatureInfo
from esealkit.ofd.package import OfdPackage
from esealkit.report import Check, SubIndication

__all__ = ["ReferenceResult", "check_references", "evaluate_references", "resolve_check_method"]

# CheckMethod values seen in the wild that esealkit.crypto does not name (STANDARDS.md §3.3)
_EXTRA_METHODS = {"1.2.156.10197.1.401.2": "sm3"}
# Without a CheckMethod, the digest is recognised by its length; SM3 first for 32 bytes.
_BY_LENGTH = {32: ("sm3", "sha256"), 20: ("sha1",), 16: ("md5",), 64: ("sha512",), 48: ("sha384",)}


def resolve_check_method(method: str | None) -> str | None:
    """The canonical digest name of a CheckMethod (name or OID); None when absent.

    Raises :class:`UnsupportedAlgorithm` for a method esealkit does not implement.
    """
    if method is None:
        return None
    return _EXTRA_METHODS.get(method.strip()) or digest_name(method)


@dataclass(frozen=True)
class ReferenceResult:
    """One Reference after hashing: ``status`` is ok, changed, missing, bad_path,
    bad_value or unreadable; ``algorithm`` is the digest that was used."""

    reference: Reference
    status: str
    algorithm: str | None
    detail: str = ""

    @property
    def name(self) -> str:
        return "/" + self.reference.path if self.reference.path else self.reference.file_ref


def _evaluate_one(pkg: OfdPackage, ref: Reference, algorithm: str | None) -> ReferenceResult:
    if ref.path is None:
        return ReferenceResult(ref, "bad_path", algorithm, f"FileRef {ref.file_ref!r} is not a valid package path")
    if not pkg.exists(ref.path):
        return ReferenceResult(ref, "missing", algorithm)
    if ref.check_value is None:
        return ReferenceResult(ref, "bad_value", algorithm, "CheckValue is missing or not base64")
    candidates = (algorithm,) if algorithm else _BY_LENGTH.get(len(ref.check_value), ())
    if not candidates:
        return ReferenceResult(ref, "bad_value", None, f"no CheckMethod and a {len(ref.check_value)}-byte CheckValue")
    try:
        for name in candidates:
            if pkg.digest(ref.path, name) == ref.check_value:
                return ReferenceResult(ref, "ok", name)
    except MalformedInput as exc:
        return ReferenceResult(ref, "unreadable", algorithm, str(exc))
    return ReferenceResult(ref, "changed", algorithm or "/".join(candidates))


def evaluate_references(pkg: OfdPackage, info: SignatureInfo) -> tuple[tuple[ReferenceResult, ...], str | None]:
    """Hash every referenced file; the second value names an unsupported CheckMethod."""
    try:
        algorithm = resolve_check_method(info.check_method)
    except UnsupportedAlgorithm:
        return (), f"unsupported CheckMethod {info.check_method!r}"
    return tuple(_evaluate_one(pkg, ref, algorithm) for ref in info.references), None


@dataclass(frozen=True)
class Later:
    """A signature made after the one being checked, and the files it vouches for."""

    label: str
    intact_files: frozenset[str]  # entry names whose reference passed in that signature


def _explain(path: str, later: Sequence[Later], signature_lists: frozenset[str]) -> str:
    after = [s.label for s in later if path in s.intact_files]
    if path in signature_lists and later:
        names = ", ".join(s.label for s in later)
        return (f"/{path} is the signature list: it changed after this signature was made, when later "
                f"signature(s) {names} were added; this signature protected it, so adding any later "
                f"signature breaks it (the signer should not have listed Signatures.xml)")
    if after:
        return f"/{path} changed after this signature and before signature {after[0]} was made, which covers its current content"
    return ""


def check_references(results: Sequence[ReferenceResult], problem: str | None, check_method: str | None,
                     later: Sequence[Later], signature_lists: frozenset[str]) -> tuple[Check, Check]:
    """The ``references`` and ``references_complete`` checks of one signature."""
    if problem is not None:
        return (Check.indeterminate("references", SubIndication.CRYPTO_CONSTRAINTS_FAILURE, problem),
                Check.indeterminate("references_complete", SubIndication.CRYPTO_CONSTRAINTS_FAILURE, problem))
    missing = [r.name for r in results if r.status == "missing"]
    present = [r for r in results if r.status != "missing"]
    complete = (
        Check.failed("references_complete", SubIndication.HASH_FAILURE,
                     f"{len(missing)} protected file(s) are missing from the package: {', '.join(missing)}",
                     missing=missing)
        if missing else
        Check.passed("references_complete", f"all {len(results)} protected files are in the package")
    )
    if not results:
        return (Check.failed("references", SubIndication.FORMAT_FAILURE,
                             "Signature.xml lists no References: the signature protects no document file"), complete)
    changed = [r for r in present if r.status == "changed"]
    broken = [r for r in present if r.status in ("bad_path", "bad_value", "unreadable")]
    algorithms = sorted({r.algorithm for r in present if r.algorithm})
    how = "/".join(algorithms) or (check_method or "?")
    if changed:
        names = [r.name for r in changed]
        reasons = {r.name: why for r in changed if r.reference.path and (why := _explain(r.reference.path, later, signature_lists))}
        message = f"{len(changed)} of {len(results)} protected files changed after signing ({how}): {', '.join(names)}"
        if reasons:
            message += ". " + "; ".join(reasons.values())
        return (Check.failed("references", SubIndication.HASH_FAILURE, message, failed=names,
                             changed_after=reasons, broken=[r.name for r in broken]), complete)
    if broken:
        names = [r.name for r in broken]
        return (Check.failed("references", SubIndication.FORMAT_FAILURE,
                             "some References cannot be checked: " + "; ".join(f"{r.name}: {r.detail}" for r in broken),
                             failed=names), complete)
    if not present:
        return Check.failed("references", SubIndication.HASH_FAILURE,
                            "none of the protected files is in the package", failed=missing), complete
    return Check.passed("references", f"all {len(present)} protected files present are intact ({how})",
                        files=[r.name for r in present]), complete
