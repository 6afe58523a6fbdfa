"""The self-contained HTML report (HTML 报告): progress to targets, blockers, departments.

One file, inline CSS and SVG, no scripts and no external resources, so it can be mailed
to a department head or opened offline.

Example::

    from esealkit.registry.html_report import render_html

    Path("report.html").write_text(render_html(kpis, plan), encoding="utf-8")
"""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import Environment
from markupsafe import Markup

from esealkit.registry.charts import COLOURS, Bar, horizontal_bars, legend
from esealkit.registry.kpis import KPI_NAMES, KPI_TITLES, Kpi, KpiReport
from esealkit.registry.planning import Plan
from esealkit.registry.reports import format_kpi_value

__all__ = ["render_html"]

_TOP_BLOCKERS = 15
_TOP_DEPARTMENTS = 40

_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>免证办 registry report {{ as_of }}</title>
<style>
body { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif;
       margin: 24px; color: #1a202c; max-width: 1000px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #cbd5e0; }
.summary { font-size: 15px; background: #f7fafc; padding: 10px 14px; border-left: 4px solid #2b6cb0; }
svg text { font-size: 12px; fill: #1a202c; }
table { border-collapse: collapse; font-size: 12px; margin-top: 8px; }
th, td { border: 1px solid #e2e8f0; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.short { color: #c53030; font-weight: bold; } .met { color: #2f855a; }
.note { color: #4a5568; font-size: 12px; }
</style></head><body>
<h1>Certificate-free matters (免证办) and e-licence targets</h1>
<p class="note">As of {{ as_of }}. A licence type counts when it is issued electronically and
every licence issued since {{ cut_off }} is in the licence library.</p>
<p class="summary">{{ summary }}</p>

<h2>Progress to each target</h2>
{{ progress_chart }}
{{ progress_legend }}
<table><tr><th>KPI</th><th>value</th><th>numerator / denominator</th><th>target</th><th>still needed</th></tr>
{% for row in totals %}<tr><td>{{ row.title }}</td><td class="{{ row.css }}">{{ row.value }}</td>
<td>{{ row.fraction }}</td><td>{{ row.target }}</td><td>{{ row.needed }}</td></tr>
{% endfor %}</table>

<h2>Licence types blocking the most matters</h2>
<p class="note">Blue: matters the type makes certificate-free on its own; grey: other matters
it is one of several blockers of.</p>
{{ blockers_chart }}
{{ blockers_legend }}
<p>{{ plan_sentence }}</p>
<p class="note">How the set was chosen: {{ plan_method }}.</p>

<h2>By department</h2>
{{ departments_chart }}
{{ departments_legend }}
<table><tr><th>department</th>{% for h in headers %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in department_rows %}<tr><td>{{ row.key }}</td>{% for c in row.cells %}<td class="{{ c.css }}">{{ c.text }}</td>{% endfor %}</tr>
{% endfor %}</table>

<h2>By county</h2>
<table><tr><th>county</th>{% for h in headers %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in county_rows %}<tr><td>{{ row.key }}</td>{% for c in row.cells %}<td class="{{ c.css }}">{{ c.text }}</td>{% endfor %}</tr>
{% endfor %}</table>

<h2>Matters not yet certificate-free ({{ blocked|length }})</h2>
<details><summary>show the list</summary><table>
<tr><th>matter</th><th>department</th><th>county</th><th>blocked by</th></tr>
{% for q in blocked %}<tr><td>{{ q.matter.code }} {{ q.matter.name }}</td><td>{{ q.matter.department }}</td>
<td>{{ q.matter.county }}</td><td>{{ q.blocking_types|join(", ") }}</td></tr>
{% endfor %}</table></details>
</body></html>
"""


def _progress_bars(report: KpiReport) -> list[Bar]:
    bars = []
    for name in KPI_NAMES:
        kpi = report.total[name]
        colour = COLOURS["met"] if kpi.met else COLOURS["short"]
        if kpi.is_rate:
            value = kpi.value or 0.0
            marker = kpi.target
            caption = f"{format_kpi_value(kpi)} / {(kpi.target or 0) * 100:.0f} %"
        else:
            # Counts are drawn as a share of the target (the marker sits at 100 %).
            target = kpi.target or 1.0
            value = kpi.numerator / target if target else 0.0
            marker = 1.0
            caption = f"{kpi.numerator} / {int(target)}"
        bars.append(Bar(KPI_TITLES[name], [(value, colour)], caption, marker=marker))
    return bars


def _blocker_bars(plan: Plan) -> list[Bar]:
    bars = []
    for c in plan.ranked[:_TOP_BLOCKERS]:
        alone, others = len(c.unlocks), len(c.blocks) - len(c.unlocks)
        bars.append(
            Bar(
                f"{c.type_code} {c.name}",
                [(alone, COLOURS["unlock"]), (others, COLOURS["neutral"])],
                f"{alone} alone, {len(c.blocks)} in all",
            )
        )
    return bars


def _department_bars(report: KpiReport) -> tuple[list[Bar], float]:
    rows = []
    for department, kpis in report.by_department.items():
        free = kpis.get("certificate_free_matters")
        if free is None or not free.denominator:
            continue
        rows.append((department, free.numerator, free.denominator - free.numerator))
    rows.sort(key=lambda r: (-(r[1] + r[2]), r[0]))
    rows = rows[:_TOP_DEPARTMENTS]
    scale = float(max((a + b for _, a, b in rows), default=1))
    bars = [
        Bar(
            name,
            [(free, COLOURS["met"]), (blocked, COLOURS["blocked"])],
            f"{free} of {free + blocked}",
        )
        for name, free, blocked in rows
    ]
    return bars, scale


def _cells(kpis: Mapping[str, Kpi]) -> list[dict[str, str]]:
    cells = []
    for name in KPI_NAMES:
        kpi = kpis.get(name)
        if kpi is None or (kpi.is_rate and not kpi.denominator):
            cells.append({"text": "-", "css": ""})
        elif not kpi.is_rate:
            cells.append({"text": f"{kpi.numerator} / {kpi.denominator}", "css": ""})
        else:
            cells.append({"text": format_kpi_value(kpi), "css": "met" if kpi.met else "short"})
    return cells


def _summary(report: KpiReport, plan: Plan) -> str:
    met = sum(1 for k in report.total.values() if k.met)
    free = report.total["certificate_free_matters"]
    text = (
        f"{free.numerator} matters are certificate-free (target {plan.target}); "
        f"{met} of {len(report.total)} targets are met."
    )
    if plan.current < plan.target and plan.reachable:
        text += (
            f" Making {len(plan.chosen)} more licence type(s) available would reach the "
            "certificate-free target."
        )
    elif plan.current < plan.target:
        text += " The certificate-free target cannot be reached with the matters registered."
    return text


def render_html(report: KpiReport, plan: Plan) -> str:
    """The whole report as one self-contained HTML page."""
    environment = Environment(autoescape=True)
    department_bars, department_scale = _department_bars(report)
    blocker_bars = _blocker_bars(plan)
    totals = []
    for name in KPI_NAMES:
        kpi = report.total[name]
        target = (
            "-"
            if kpi.target is None
            else (f"{kpi.target * 100:.0f} %" if kpi.is_rate else str(int(kpi.target)))
        )
        totals.append(
            {
                "title": KPI_TITLES[name],
                "value": format_kpi_value(kpi),
                "css": "met" if kpi.met else "short",
                "fraction": f"{kpi.numerator} / {kpi.denominator}",
                "target": target,
                "needed": "-" if kpi.needed is None else str(kpi.needed),
            }
        )
    if plan.current >= plan.target:
        plan_sentence = "The certificate-free target is reached."
    elif plan.reachable:
        plan_sentence = (
            f"Make these {len(plan.chosen)} licence type(s) available next to reach "
            f"{plan.reached} certificate-free matters: {', '.join(plan.chosen) or '-'}."
        )
    else:
        plan_sentence = (
            f"The target of {plan.target} cannot be reached with the matters registered: "
            f"making all {len(plan.chosen)} blocking licence type(s) available gives "
            f"{plan.reached} certificate-free matters ({', '.join(plan.chosen) or '-'})."
        )
    return environment.from_string(_TEMPLATE).render(
        as_of=report.as_of.isoformat(),
        cut_off=report.policy.cut_off.isoformat(),
        summary=_summary(report, plan),
        progress_chart=Markup(horizontal_bars(_progress_bars(report), 1.0, "progress")),
        progress_legend=Markup(
            legend(
                [
                    (COLOURS["met"], "target met"),
                    (COLOURS["short"], "below target"),
                    (COLOURS["marker"], "target"),
                ]
            )
        ),
        totals=totals,
        blockers_chart=Markup(
            horizontal_bars(
                blocker_bars,
                float(max((len(c.blocks) for c in plan.ranked[:_TOP_BLOCKERS]), default=1)),
                "blocking licence types",
            )
        ),
        blockers_legend=Markup(
            legend([(COLOURS["unlock"], "unlocks alone"), (COLOURS["neutral"], "co-blocks")])
        ),
        plan_sentence=plan_sentence,
        plan_method=plan.method,
        departments_chart=Markup(horizontal_bars(department_bars, department_scale, "departments")),
        departments_legend=Markup(
            legend([(COLOURS["met"], "certificate-free"), (COLOURS["blocked"], "blocked")])
        ),
        headers=[KPI_TITLES[n].split(" (")[0] for n in KPI_NAMES],
        department_rows=[
            {"key": k, "cells": _cells(v)} for k, v in sorted(report.by_department.items())
        ],
        county_rows=[{"key": k, "cells": _cells(v)} for k, v in sorted(report.by_county.items())],
        blocked=report.qualification.blocked,
    )
