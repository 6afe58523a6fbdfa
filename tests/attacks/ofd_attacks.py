"""Generators for attacks on sealed OFD documents (GB/T 38540 seals in GB/T 33190 packages).

    >>> forged = OFD_ATTACKS["ofd_signed_part_replaced"].build(kit)   # doctest: +SKIP

Two kinds of attacker: one without the signer's key, who edits the package after it was
sealed (parts added, replaced, removed, duplicated; Signature.xml or SignedValue.dat
edited or swapped), and a signer whose tool writes a Signature.xml that protects less
than it seems to (references to another file, to the same file twice, to a missing file
or outside the package) or who seals with someone else's seal.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from ofd_fixtures import SIGNING_TIME, OfdPKI, make_zip, read_zip

from esealkit.ofd.build import build_ofd
from esealkit.ofd.sign import seal_ofd
from esealkit.report import SubIndication
from esealkit.seals import sign_with_seal

__all__ = ["OFD_ATTACKS", "OFD_HONEST", "OfdAttack", "OfdKit"]

CONTENT = "Doc_0/Pages/Page_0/Content.xml"
DOCUMENT = "Doc_0/Document.xml"
SIGN0 = "Doc_0/Signs/Sign_0"
SIGN1 = "Doc_0/Signs/Sign_1"
SIGNATURES = "Doc_0/Signs/Signatures.xml"


@dataclass(frozen=True)
class OfdKit:
    pki: OfdPKI
    document: bytes
    sealed: bytes  # one seal (s001, Sign_0)
    twice: bytes  # a second seal by another owner (s002, Sign_1)

    @classmethod
    def from_pki(cls, pki: OfdPKI) -> OfdKit:
        document = build_ofd(["合同编号 42", "金额: 1000 元"], title="contract")
        sealed = seal_ofd(document, pki.seal, pki.signer.key, pki.signer.der, page=1, x_mm=120, y_mm=200,
                          signing_time=SIGNING_TIME)
        twice = seal_ofd(sealed, pki.second_seal, pki.second_signer.key, pki.second_signer.der, page=1,
                         x_mm=40, y_mm=200, signing_time=SIGNING_TIME)
        return cls(pki, document, sealed, twice)

    def resign(self, files: dict[str, bytes], sign_dir: str = SIGN0) -> dict[str, bytes]:
        """Seal the (edited) Signature.xml again with the first owner's seal: the
        signer's own tool wrote it, so the seal signature over it is valid."""
        xml = files[f"{sign_dir}/Signature.xml"]
        files[f"{sign_dir}/SignedValue.dat"] = sign_with_seal(
            self.pki.seal, signer_key=self.pki.signer.key, signer_cert_der=self.pki.signer.der, data=xml,
            property_info=f"/{sign_dir}/Signature.xml", signing_time=SIGNING_TIME)
        return files


@dataclass(frozen=True)
class OfdAttack:
    name: str
    expected: SubIndication
    build: Callable[[OfdKit], bytes]
    description: str


def _page_xml(text: str) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016">'
            b'<ofd:Content><ofd:Layer ID="90"><ofd:TextObject ID="91" Boundary="10 10 150 10" Font="3" Size="5">'
            b'<ofd:TextCode X="0" Y="5">' + text.encode() + b"</ofd:TextCode></ofd:TextObject></ofd:Layer>"
            b"</ofd:Content></ofd:Page>")


def _edit_reference(xml: bytes, path: str, new_ref: str, check_value: bytes | None = None) -> bytes:
    """Point the Reference of ``path`` at ``new_ref`` (and optionally a new CheckValue)."""
    pattern = re.compile(rb'(<ofd:Reference FileRef=")/' + re.escape(path.encode()) + rb'(">\s*<ofd:CheckValue>)([^<]*)')
    assert pattern.search(xml), path

    def repl(m: re.Match[bytes]) -> bytes:
        value = m.group(3) if check_value is None else check_value
        return m.group(1) + new_ref.encode() + m.group(2) + value

    return pattern.sub(repl, xml, count=1)


def _check_value(xml: bytes, path: str) -> bytes:
    m = re.search(rb'FileRef="/' + re.escape(path.encode()) + rb'">\s*<ofd:CheckValue>([^<]*)', xml)
    assert m is not None
    return m.group(1)


def _drop_reference(xml: bytes, path: str) -> bytes:
    pattern = re.compile(rb'<ofd:Reference FileRef="/' + re.escape(path.encode()) + rb'">.*?</ofd:Reference>', re.S)
    assert pattern.search(xml), path
    return pattern.sub(b"", xml, count=1)


# after sealing, without the key


def _extra_part(kit: OfdKit) -> bytes:
    files = read_zip(kit.sealed)
    files["Doc_0/Pages/Page_1/Content.xml"] = _page_xml("Annex: all debts forgiven")
    return make_zip(files)


def _extra_page_listed(kit: OfdKit) -> bytes:
    files = read_zip(kit.sealed)
    files["Doc_0/Pages/Page_1/Content.xml"] = _page_xml("Annex: all debts forgiven")
    files[DOCUMENT] = files[DOCUMENT].replace(
        b"</ofd:Pages>", b'<ofd:Page ID="99" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages>')
    assert b'ID="99"' in files[DOCUMENT]
    return make_zip(files)


def _part_replaced(kit: OfdKit) -> bytes:
    files = read_zip(kit.sealed)
    files[CONTENT] = _page_xml("金额: 9000 元")
    return make_zip(files)


def _part_removed(kit: OfdKit) -> bytes:
    files = read_zip(kit.sealed)
    del files[CONTENT]
    return make_zip(files)


def _signature_xml_edited(kit: OfdKit) -> bytes:
    """Content replaced and its CheckValue in Signature.xml updated to match."""
    from base64 import b64encode

    from esealkit.crypto import digest

    files = read_zip(kit.sealed)
    files[CONTENT] = _page_xml("金额: 9000 元")
    xml = files[f"{SIGN0}/Signature.xml"]
    files[f"{SIGN0}/Signature.xml"] = _edit_reference(xml, CONTENT, "/" + CONTENT,
                                                      b64encode(digest("sm3", files[CONTENT])))
    return make_zip(files)


def _signed_value_swapped(kit: OfdKit) -> bytes:
    files = read_zip(kit.twice)
    a, b = f"{SIGN0}/SignedValue.dat", f"{SIGN1}/SignedValue.dat"
    files[a], files[b] = files[b], files[a]
    return make_zip(files)


def _signature_xml_swapped(kit: OfdKit) -> bytes:
    """Both signature folders swap their Signature.xml (each still names its own value)."""
    files = read_zip(kit.twice)
    a, b = f"{SIGN0}/Signature.xml", f"{SIGN1}/Signature.xml"
    files[a], files[b] = files[b], files[a]
    return make_zip(files)


def _duplicate_entry(kit: OfdKit, evil_first: bool) -> bytes:
    files = read_zip(kit.sealed)
    entries = list(files.items())
    index = next(i for i, (name, _) in enumerate(entries) if name == CONTENT)
    evil = (CONTENT, _page_xml("金额: 9000 元"))
    entries.insert(index if evil_first else index + 1, evil)
    buf = io.BytesIO()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name: that is the point
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries:
                zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def _signature_listed_twice(kit: OfdKit) -> bytes:
    """The signature list names the first signature twice and drops the second."""
    files = read_zip(kit.twice)
    files[SIGNATURES] = files[SIGNATURES].replace(b"/" + SIGN1.encode(), b"/" + SIGN0.encode())
    return make_zip(files)


def _docroot_to_shadow(kit: OfdKit, *, ofd_xml_signed: bool = True) -> bytes:
    """OFD.xml points at an unsigned copy of the document with other content.  Without
    ``ofd_xml_signed`` the seal leaves OFD.xml out, as many producers do."""
    files = read_zip(kit.sealed)
    if not ofd_xml_signed:
        files[f"{SIGN0}/Signature.xml"] = _drop_reference(files[f"{SIGN0}/Signature.xml"], "OFD.xml")
        files = kit.resign(files)
    files["Doc_1/Document.xml"] = files[DOCUMENT]
    files["Doc_1/Pages/Page_0/Content.xml"] = _page_xml("金额: 9000 元")
    for name in [n for n in files if n.startswith("Doc_0/") and "/Signs/" not in n and n not in (DOCUMENT, CONTENT)]:
        files["Doc_1/" + name[len("Doc_0/"):]] = files[name]
    files["OFD.xml"] = files["OFD.xml"].replace(b"Doc_0/Document.xml", b"Doc_1/Document.xml")
    return make_zip(files)


# by the signer's own (bad or malicious) tool: Signature.xml re-sealed


def _reference_to_other_file(kit: OfdKit) -> bytes:
    """The Reference meant for the page points at Document.xml (with its CheckValue):
    every reference verifies, yet the page is protected by nothing."""
    files = read_zip(kit.sealed)
    xml = _drop_reference(files[f"{SIGN0}/Signature.xml"], CONTENT)
    files[f"{SIGN0}/Signature.xml"] = xml.replace(
        b"</ofd:References>",
        b'<ofd:Reference FileRef="/' + DOCUMENT.encode() + b'"><ofd:CheckValue>' + _check_value(xml, DOCUMENT)
        + b"</ofd:CheckValue></ofd:Reference></ofd:References>")
    files = kit.resign(files)
    files[CONTENT] = _page_xml("金额: 9000 元")
    return make_zip(files)


def _reference_same_file_twice(kit: OfdKit) -> bytes:
    """The same file listed twice with two CheckValues: the old content and the new one."""
    from base64 import b64encode

    from esealkit.crypto import digest

    files = read_zip(kit.sealed)
    evil = _page_xml("金额: 9000 元")
    xml = files[f"{SIGN0}/Signature.xml"]
    files[f"{SIGN0}/Signature.xml"] = xml.replace(
        b"</ofd:References>",
        b'<ofd:Reference FileRef="/' + CONTENT.encode() + b'"><ofd:CheckValue>' + b64encode(digest("sm3", evil))
        + b"</ofd:CheckValue></ofd:Reference></ofd:References>")
    files = kit.resign(files)
    files[CONTENT] = evil
    return make_zip(files)


def _reference_missing_file(kit: OfdKit) -> bytes:
    files = read_zip(kit.sealed)
    xml = files[f"{SIGN0}/Signature.xml"]
    files[f"{SIGN0}/Signature.xml"] = _edit_reference(xml, CONTENT, "/Doc_0/Pages/Page_7/Content.xml")
    return make_zip(kit.resign(files))


def _reference_outside_package(kit: OfdKit) -> bytes:
    files = read_zip(kit.sealed)
    xml = files[f"{SIGN0}/Signature.xml"]
    files[f"{SIGN0}/Signature.xml"] = _edit_reference(xml, CONTENT, "/Doc_0/../../etc/passwd")
    return make_zip(kit.resign(files))


def _seal_of_another_owner(kit: OfdKit) -> bytes:
    """The second signer uses the first owner's seal (which does not list them)."""
    pki = kit.pki
    borrowed = dataclasses.replace(pki.seal, signer_certs=(pki.second_signer.der,))  # fool the maker's check only
    files = read_zip(kit.sealed)
    xml = files[f"{SIGN0}/Signature.xml"]
    files[f"{SIGN0}/SignedValue.dat"] = sign_with_seal(
        borrowed, signer_key=pki.second_signer.key, signer_cert_der=pki.second_signer.der, data=xml,
        property_info=f"/{SIGN0}/Signature.xml", signing_time=SIGNING_TIME)
    return make_zip(files)


FORMAT = SubIndication.FORMAT_FAILURE
HASH = SubIndication.HASH_FAILURE
MODIFIED = SubIndication.MODIFIED_AFTER_SIGNING

OFD_ATTACKS: dict[str, OfdAttack] = {a.name: a for a in [
    OfdAttack("ofd_extra_unsigned_part", MODIFIED, _extra_part, "a page file added, not listed anywhere signed"),
    OfdAttack("ofd_extra_page_listed", HASH, _extra_page_listed, "a page added and listed in Document.xml"),
    OfdAttack("ofd_signed_part_replaced", HASH, _part_replaced, "the page content replaced"),
    OfdAttack("ofd_signed_part_removed", HASH, _part_removed, "the page content removed"),
    OfdAttack("ofd_signature_xml_edited", HASH, _signature_xml_edited,
              "content replaced and its CheckValue in Signature.xml updated"),
    OfdAttack("ofd_signed_value_swapped", HASH, _signed_value_swapped, "SignedValue.dat of two seals swapped"),
    OfdAttack("ofd_signature_xml_swapped", HASH, _signature_xml_swapped, "Signature.xml of two seals swapped"),
    OfdAttack("ofd_duplicate_entry_evil_first", FORMAT, lambda k: _duplicate_entry(k, True),
              "a second ZIP entry with the page's name, before the signed one"),
    OfdAttack("ofd_duplicate_entry_evil_last", FORMAT, lambda k: _duplicate_entry(k, False),
              "a second ZIP entry with the page's name, after the signed one"),
    OfdAttack("ofd_signature_listed_twice", FORMAT, _signature_listed_twice,
              "the signature list names one signature twice"),
    OfdAttack("ofd_docroot_to_shadow", HASH, _docroot_to_shadow,
              "OFD.xml (signed) points at an unsigned shadow copy of the document"),
    OfdAttack("ofd_docroot_to_shadow_unsigned_entry", MODIFIED, lambda k: _docroot_to_shadow(k, ofd_xml_signed=False),
              "OFD.xml (not signed, as many producers leave it) points at an unsigned shadow copy"),
    OfdAttack("ofd_reference_to_other_file", MODIFIED, _reference_to_other_file,
              "the page's Reference points at another file; the page then replaced"),
    OfdAttack("ofd_reference_same_file_twice", HASH, _reference_same_file_twice,
              "the page listed twice, with the old and a new CheckValue"),
    OfdAttack("ofd_reference_missing_file", HASH, _reference_missing_file, "a Reference to a file not in the package"),
    OfdAttack("ofd_reference_outside_package", FORMAT, _reference_outside_package,
              "a Reference leaving the package with '..'"),
    OfdAttack("ofd_seal_of_another_owner", SubIndication.SIGNER_NOT_BOUND_TO_SEAL, _seal_of_another_owner,
              "signed with a seal that does not list the signer"),
]}

OFD_HONEST: dict[str, Callable[[OfdKit], bytes]] = {
    "ofd_sealed_once": lambda k: k.sealed,
    "ofd_sealed_twice": lambda k: k.twice,
}
