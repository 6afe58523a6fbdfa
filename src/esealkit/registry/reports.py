"""Text and JSON reports of the registry's KPIs and plan (文本与 JSON 报告).

Example::

    from esealkit.registry.reports import render_plan_text, render_status_text, status_json

    print(render_status_text(kpis))
    json.dumps(status_json(kpis))          # keys: certificate_free_matters, e_issuance_rate, ...
    print(render_plan_text(plan))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from esealkit.registry.kpis import KPI_NAMES, KPI_TITLES, Kpi, KpiReport
from esealkit.registry.planning import Plan

__all__ = [
    "JSON_SCHEMA_VERSION",
    "format_kpi_value",
    "plan_json",
    "render_plan_text",
    "render_status_text",
    "status_json",
]

JSON_SCHEMA_VERSION = 1
_SHORT = {
    "certificate_free_matters": "cert-free",
    "e_issuance_rate": "e-issue",
    "licence_usage_rate": "usage",
    "e_seal_usage_rate": "e-seal",
    "online_rate": "online",
}


def format_kpi_value(kpi: Kpi) -> str:
    if not kpi.is_rate:
        return str(kpi.numerator)
    value = kpi.value
    return "n/a" if value is None else f"{value * 100:.1f} %"


def _format_target(kpi: Kpi) -> str:
    if kpi.target is None:
        return "-"
    return f"{kpi.target * 100:.0f} %" if kpi.is_rate else str(int(kpi.target))


def _verdict(kpi: Kpi) -> str:
    if kpi.met is None:
        return "no data" if kpi.is_rate and not kpi.denominator else ""
    if kpi.met:
        return "met"
    unit = "matters" if kpi.name != "e_seal_usage_rate" else "enterprises"
    if kpi.name == "e_issuance_rate":
        unit = "electronic issuances"
    return f"short by {kpi.needed} {unit}"


def render_status_text(report: KpiReport) -> str:
    """The KPIs a department head reads: totals, then departments and counties."""
    lines = [
        f"Registry status as of {report.as_of.isoformat()} "
        f"(licences since {report.policy.cut_off.isoformat()} must be in the library)",
        "",
    ]
    if not report.qualification.matters:
        lines += ["  No matters imported yet: run `esealkit registry import DIR`.", ""]
    for name in KPI_NAMES:
        kpi = report.total[name]
        lines.append(
            f"  {KPI_TITLES[name]:<52} {format_kpi_value(kpi):>8}  "
            f"({kpi.numerator}/{kpi.denominator})  target {_format_target(kpi):>5}  {_verdict(kpi)}"
        )
    for title, groups in (("department", report.by_department), ("county", report.by_county)):
        lines += ["", f"By {title}:", _group_header(title)]
        for key in sorted(groups):
            lines.append(_group_line(key, groups[key]))
    blocked = report.qualification.blocked
    if blocked:
        lines += ["", f"Matters requiring a licence that are not certificate-free: {len(blocked)}"]
        for q in blocked[:20]:
            lines.append(
                f"  {q.matter.code} {q.matter.name}: blocked by {', '.join(q.blocking_types)}"
            )
        if len(blocked) > 20:
            lines.append(f"  ... and {len(blocked) - 20} more (see the JSON or HTML report)")
    return "\n".join(lines) + "\n"


def _group_header(title: str) -> str:
    cells = "".join(f"{_SHORT[n]:>11}" for n in KPI_NAMES)
    return f"  {title:<30}{cells}"


def _group_line(key: str, kpis: Mapping[str, Kpi]) -> str:
    cells = []
    for name in KPI_NAMES:
        kpi = kpis.get(name)
        if kpi is None or (kpi.is_rate and not kpi.denominator):
            cells.append(f"{'-':>11}")
        elif not kpi.is_rate:
            cells.append(f"{f'{kpi.numerator}/{kpi.denominator}':>11}")
        else:
            mark = "" if kpi.met else "!"
            cells.append(f"{format_kpi_value(kpi) + mark:>11}")
    return f"  {key[:30]:<30}{''.join(cells)}"


def status_json(report: KpiReport) -> dict[str, Any]:
    """The status as JSON-ready data: one object per KPI at the top, then the groups."""
    data = report.to_dict()
    data["schema_version"] = JSON_SCHEMA_VERSION
    data["blocked_matters"] = [
        {
            "code": q.matter.code,
            "name": q.matter.name,
            "department": q.matter.department,
            "county": q.matter.county,
            "blocking_types": list(q.blocking_types),
        }
        for q in report.qualification.blocked
    ]
    return data


def plan_json(result: Plan) -> dict[str, Any]:
    return {"schema_version": JSON_SCHEMA_VERSION, **result.to_dict()}


def render_plan_text(result: Plan, top: int = 20) -> str:
    lines = [
        f"Certificate-free matters now: {result.current}; target {result.target}.",
        "",
        f"Licence types that block matters, ranked ({len(result.ranked)}):",
    ]
    for i, c in enumerate(result.ranked[:top], start=1):
        unlocked = ", ".join(c.unlocks[:8]) + (" ..." if len(c.unlocks) > 8 else "")
        lines.append(
            f"  {i:>3}. {c.type_code} {c.name} [{c.department}]: unlocks {len(c.unlocks)} "
            f"alone, blocks {len(c.blocks)}" + (f" ({unlocked})" if unlocked else "")
        )
    lines.append("")
    if result.current >= result.target:
        lines.append("The target is already reached; no licence type is needed.")
    else:
        verdict = "reaches" if result.reachable else "does NOT reach (not reachable)"
        lines.append(
            f"Set of {len(result.chosen)} licence type(s) that {verdict} the target "
            f"({result.reached} certificate-free matters): {', '.join(result.chosen) or '-'}"
        )
        lines.append(f"Method: {result.method}.")
    return "\n".join(lines) + "\n"
