"""Batch report writers (批量报告): CSV, JUnit XML and a self-contained HTML page.

    >>> write_csv(read_journal("reports.jsonl"), open("reports.csv", "w", newline=""))   # doctest: +SKIP
    >>> write_html(lambda: read_journal("reports.jsonl"), open("reports.html", "w"))    # doctest: +SKIP

Writers take the reports as JSON objects (the ``esealkit verify`` contract, as the journal
holds them) and stream: nothing is kept per document but what one row needs.  Writers
that need totals before the rows (JUnit, HTML) take a function that reads the reports
again, so a run of any size is written in two passes over its journal.

The HTML page needs nothing from the network: summary charts are inline SVG, the table
filters with a few lines of inline JavaScript, and each row opens to the document's
signatures and checks.  Passed documents beyond ``max_passed_rows`` are counted in the
charts but not listed (the journal has them all).
"""

from __future__ import annotations

import csv
import html
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["CSV_COLUMNS", "count", "write_csv", "write_html", "write_junit"]

Entry = Mapping[str, Any]
Entries = Callable[[], Iterable[Entry]]

CSV_COLUMNS = ("path", "format", "indication", "sub_indication", "message", "signatures", "signers", "size", "mtime")


def _signers(entry: Entry) -> str:
    names = [s["signer"]["subject"] for s in entry.get("signatures", ()) if s.get("signer")]
    return "; ".join(names)


def write_csv(entries: Iterable[Entry], out: TextIO) -> int:
    """One row per document; returns the number of rows."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    n = 0
    for e in entries:
        info = e.get("file") or {}
        writer.writerow([e.get("path"), e.get("format"), e.get("indication"), e.get("sub_indication") or "",
                         e.get("message", ""), len(e.get("signatures", ())), _signers(e),
                         info.get("size", ""), info.get("mtime", "")])
        n += 1
    return n


def count(entries: Iterable[Entry]) -> dict[str, Any]:
    """Totals of a run: by indication, by sub-indication, by format, and signatures."""
    by_indication: Counter[str] = Counter()
    by_sub: Counter[str] = Counter()
    by_format: Counter[str] = Counter()
    signatures = 0
    for e in entries:
        by_indication[str(e.get("indication"))] += 1
        if e.get("sub_indication"):
            by_sub[str(e["sub_indication"])] += 1
        by_format[str(e.get("format"))] += 1
        signatures += len(e.get("signatures", ()))
    return {"documents": sum(by_indication.values()), "indication": dict(by_indication),
            "sub_indication": dict(by_sub), "format": dict(by_format), "signatures": signatures}


def _xml_attr(text: Any) -> str:
    # XML 1.0 forbids most control characters even escaped; drop them.
    clean = "".join(ch for ch in str(text) if ch in "\t\n\r" or ord(ch) >= 0x20)
    return html.escape(clean, quote=True)


def write_junit(entries: Entries, out: TextIO, *, name: str = "esealkit verify") -> None:
    """JUnit XML: one testcase per document; FAILED is a failure, INDETERMINATE an error."""
    totals = count(entries())
    ind = totals["indication"]
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuites name="{_xml_attr(name)}" tests="{totals["documents"]}" '
              f'failures="{ind.get("TOTAL_FAILED", 0)}" errors="{ind.get("INDETERMINATE", 0)}">\n')
    out.write(f'  <testsuite name="{_xml_attr(name)}" tests="{totals["documents"]}" '
              f'failures="{ind.get("TOTAL_FAILED", 0)}" errors="{ind.get("INDETERMINATE", 0)}" skipped="0" '
              f'timestamp="{datetime.now(UTC).replace(microsecond=0).isoformat()}">\n')
    for e in entries():
        out.write(f'    <testcase classname="esealkit.{_xml_attr(e.get("format"))}" name="{_xml_attr(e.get("path"))}">\n')
        indication = e.get("indication")
        if indication != "TOTAL_PASSED":
            tag = "failure" if indication == "TOTAL_FAILED" else "error"
            kind = f"{indication}/{e.get('sub_indication') or ''}"
            detail = "\n".join(
                f"{s.get('id')}: {s.get('indication')} {s.get('sub_indication') or ''} {s.get('message', '')}"
                for s in e.get("signatures", ())
            )
            out.write(f'      <{tag} type="{_xml_attr(kind)}" message="{_xml_attr(e.get("message", ""))}">'
                      f"{_xml_attr(detail)}</{tag}>\n")
        out.write("    </testcase>\n")
    out.write("  </testsuite>\n</testsuites>\n")


_COLOURS = {"TOTAL_PASSED": "#2e7d32", "TOTAL_FAILED": "#c62828", "INDETERMINATE": "#ef6c00"}
_LABELS = {"TOTAL_PASSED": "passed", "TOTAL_FAILED": "failed", "INDETERMINATE": "indeterminate"}


def _donut(ind: Mapping[str, int]) -> str:
    import math

    total = sum(ind.values()) or 1
    parts = []
    start = -math.pi / 2
    for key in ("TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"):
        n = ind.get(key, 0)
        if not n:
            continue
        if n == total:
            parts.append(f'<circle cx="80" cy="80" r="60" fill="none" stroke="{_COLOURS[key]}" stroke-width="28"/>')
            break
        end = start + 2 * math.pi * n / total
        x1, y1 = 80 + 60 * math.cos(start), 80 + 60 * math.sin(start)
        x2, y2 = 80 + 60 * math.cos(end), 80 + 60 * math.sin(end)
        large = 1 if end - start > math.pi else 0
        parts.append(f'<path d="M{x1:.2f},{y1:.2f} A60,60 0 {large},1 {x2:.2f},{y2:.2f}" fill="none" '
                     f'stroke="{_COLOURS[key]}" stroke-width="28"><title>{_LABELS[key]}: {n}</title></path>')
        start = end
    return (f'<svg class="chart" viewBox="0 0 160 160" width="160" height="160" role="img" '
            f'aria-label="documents by verdict">{"".join(parts)}'
            f'<text x="80" y="86" text-anchor="middle" font-size="22" font-weight="bold">{sum(ind.values())}</text></svg>')


def _bars(counts: Mapping[str, int], title: str) -> str:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
    if not items:
        return f'<svg class="chart" width="360" height="40"><text x="0" y="24">{html.escape(title)}: none</text></svg>'
    top = max(n for _, n in items)
    height = 24 * len(items) + 30
    rows = [f'<text x="0" y="16" font-weight="bold">{html.escape(title)}</text>']
    for i, (label, n) in enumerate(items):
        y = 28 + 24 * i
        w = max(2, int(160 * n / top))
        rows.append(f'<text x="0" y="{y + 14}" font-size="12">{html.escape(label)}</text>'
                    f'<rect x="230" y="{y + 2}" width="{w}" height="16" fill="#5c6bc0"/>'
                    f'<text x="{236 + w}" y="{y + 15}" font-size="12">{n}</text>')
    return f'<svg class="chart" width="460" height="{height}" role="img">{"".join(rows)}</svg>'


_STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:22px} .charts{display:flex;gap:32px;align-items:flex-start;flex-wrap:wrap}
.legend span{display:inline-block;margin-right:14px} .sw{width:12px;height:12px;display:inline-block;margin-right:4px}
table{border-collapse:collapse;width:100%;margin-top:12px;font-size:13px}
th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
tr.doc{cursor:pointer} tr.doc:hover{background:#f5f5f5}
.TOTAL_PASSED{color:#2e7d32;font-weight:bold} .TOTAL_FAILED{color:#c62828;font-weight:bold}
.INDETERMINATE{color:#ef6c00;font-weight:bold} tr.detail{display:none;background:#fafafa}
tr.detail.open{display:table-row} .filters{margin-top:16px;display:flex;gap:12px}
.check{margin-left:18px} .muted{color:#777}
"""

_SCRIPT = """
(function(){
  var q=document.getElementById('q'), v=document.getElementById('verdict'), shown=document.getElementById('shown');
  function apply(){
    var text=q.value.toLowerCase(), want=v.value, n=0;
    document.querySelectorAll('tr.doc').forEach(function(r){
      var ok=(!want||r.dataset.indication===want)&&(!text||r.dataset.search.indexOf(text)>=0);
      r.style.display=ok?'':'none'; if(ok){n++;} else {r.nextElementSibling.classList.remove('open');}
    });
    shown.textContent=n;
  }
  q.addEventListener('input',apply); v.addEventListener('change',apply);
  document.querySelectorAll('tr.doc').forEach(function(r){
    r.addEventListener('click',function(){r.nextElementSibling.classList.toggle('open');});
  });
  apply();
})();
"""


def _detail(e: Entry) -> str:
    parts = []
    for c in e.get("checks", ()):
        parts.append(f'<div class="check"><span class="{html.escape(c["indication"])}">{html.escape(c["indication"])}'
                     f'</span> {html.escape(c["name"])}: {html.escape(c.get("message", ""))}</div>')
    for s in e.get("signatures", ()):
        signer = s.get("signer") or {}
        who = f' by {html.escape(signer["subject"])}' if signer.get("subject") else ""
        parts.append(f'<div><b>{html.escape(str(s.get("kind")))} {html.escape(str(s.get("id")))}</b>{who}: '
                     f'<span class="{html.escape(str(s.get("indication")))}">{html.escape(str(s.get("indication")))}</span>'
                     f' {html.escape(s.get("sub_indication") or "")}</div>')
        for c in s.get("checks", ()):
            parts.append(f'<div class="check"><span class="{html.escape(c["indication"])}">{html.escape(c["indication"])}'
                         f'</span> {html.escape(c["name"])}: {html.escape(c.get("message", ""))}</div>')
    return "".join(parts) or '<span class="muted">no details</span>'


def write_html(entries: Entries, out: TextIO, *, title: str = "esealkit batch verification",
               max_passed_rows: int = 10_000) -> None:
    """The self-contained HTML report (two passes over ``entries()``)."""
    totals = count(entries())
    ind = totals["indication"]
    legend = "".join(f'<span><i class="sw" style="background:{_COLOURS[k]}"></i>{_LABELS[k]}: {ind.get(k, 0)}</span>'
                     for k in ("TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"))
    out.write(f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
              f"<style>{_STYLE}</style></head><body>\n<h1>{html.escape(title)}</h1>\n")
    out.write(f'<p id="totals">{totals["documents"]} documents, {totals["signatures"]} signatures. '
              f'Generated {datetime.now(UTC).replace(microsecond=0).isoformat()}.</p>\n')
    out.write(f'<div class="charts"><div>{_donut(ind)}<div class="legend">{legend}</div></div>'
              f'{_bars(totals["sub_indication"], "Problems (sub-indication)")}'
              f'{_bars(totals["format"], "Formats")}</div>\n')
    out.write('<div class="filters"><input id="q" type="search" placeholder="filter by path, signer, message"> '
              '<select id="verdict"><option value="">all verdicts</option>'
              '<option value="TOTAL_PASSED">passed</option><option value="TOTAL_FAILED">failed</option>'
              '<option value="INDETERMINATE">indeterminate</option></select> '
              '<span><span id="shown">0</span> shown</span></div>\n')
    out.write("<table><thead><tr><th>Document</th><th>Format</th><th>Verdict</th><th>Sub-indication</th>"
              "<th>Signatures</th><th>Message</th></tr></thead><tbody>\n")
    passed_rows = 0
    hidden = 0
    for e in entries():
        indication = str(e.get("indication"))
        if indication == "TOTAL_PASSED":
            passed_rows += 1
            if passed_rows > max_passed_rows:
                hidden += 1
                continue
        search = " ".join([str(e.get("path")), e.get("message", ""), _signers(e), e.get("sub_indication") or ""]).lower()
        out.write(f'<tr class="doc" data-indication="{html.escape(indication)}" data-search="{html.escape(search)}">'
                  f'<td>{html.escape(str(e.get("path")))}</td><td>{html.escape(str(e.get("format")))}</td>'
                  f'<td class="{html.escape(indication)}">{_LABELS.get(indication, html.escape(indication))}</td>'
                  f'<td>{html.escape(e.get("sub_indication") or "")}</td><td>{len(e.get("signatures", ()))}</td>'
                  f'<td>{html.escape(e.get("message", ""))}</td></tr>\n'
                  f'<tr class="detail"><td colspan="6">{_detail(e)}</td></tr>\n')
    out.write("</tbody></table>\n")
    if hidden:
        out.write(f'<p class="muted">{hidden} more passed documents are not listed; the JSON Lines report has every one.</p>\n')
    out.write(f"<script>{_SCRIPT}</script>\n</body></html>\n")


def dumps_entry(entry: Entry) -> str:
    return json.dumps(entry, ensure_ascii=False)
