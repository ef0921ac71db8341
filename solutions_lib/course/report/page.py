"""The class report as one self-contained HTML page (inline CSS, figures as base64 PNG, no scripts)."""
from __future__ import annotations

import base64
import html
import time

from .collect import ClassData
from .figures import cells_figure, comparison_figure, scores_figure

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 1250px; color: #222;
       padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
.meta { color: #666; } .figure { margin: 1em 0; } .figure img { max-width: 100%; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.8em 0; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.wide { overflow-x: auto; max-width: 100%; } .flag { color: #b00; } .ok { color: #2a7; } .muted { color: #888; }
.cards { display: flex; gap: 1em; flex-wrap: wrap; } .card { border: 1px solid #ddd; border-radius: 6px;
       padding: 0.6em 1em; min-width: 9em; } .card b { font-size: 1.4em; display: block; }
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _num(value, digits: int = 3) -> str:
    return "&ndash;" if value is None else f"{value:.{digits}g}"


def _image(png: bytes | None, alt: str) -> str:
    if png is None:
        return f'<p class="muted">No data for this figure yet ({_e(alt)}).</p>'
    encoded = base64.b64encode(png).decode()
    return f'<div class="figure"><img alt="{_e(alt)}" src="data:image/png;base64,{encoded}"></div>'


def _table(header: list, rows: list, numeric=()) -> str:
    """An HTML table; ``header`` is HTML written here, ``rows`` hold cells already escaped."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            css = ' class="num"' if index in numeric else ""
            cells.append(f"<td{css}>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<div class='wide'><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _interval(summary) -> str:
    if not summary:
        return "&ndash;"
    median, low, high = summary
    return f"{median:.4g} [{low:.4g}, {high:.4g}]"


def _median_of(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(sorted(values)[len(values) // 2]) if values else None


def comparison_section(data: ClassData) -> str:
    rows = []
    for row in data.datasets:
        ref, truth = row.reference or {}, row.truth or {}
        betas = [s.posterior.median["beta"] for s in row.students if s.posterior]
        radii = [s.posterior.median["rc"] for s in row.students if s.posterior]
        prefers = row.reference_prefers_double
        share = row.class_prefers_double
        rows.append([
            _e(row.name), _e(truth.get("core") or "&ndash;"), str(len(row.students)),
            _interval(ref.get("beta")), _num(truth.get("beta")), _num(_median_of(betas), 4),
            _interval(ref.get("rc")), _num(truth.get("rc")), _num(_median_of(radii), 4),
            _num(ref.get("delta_dic"), 4), _num(_median_of(row.student_deltas()), 4),
            "&ndash;" if prefers is None else ("double" if prefers else "single"),
            "&ndash;" if share is None else f"{100 * share:.0f}% double",
        ])
    table = _table(
        ["data set", "cool core", "students", "reference &beta; (median [99%])", "true &beta;", "class median &beta;",
         "reference r<sub>c</sub>", "true r<sub>c</sub>", "class median r<sub>c</sub>", "reference DIC1&minus;DIC2",
         "class median DIC1&minus;DIC2", "reference prefers", "students prefer"],
        rows, numeric={2, 4, 5, 7, 8, 9, 10})
    double = [row.name for row in data.datasets if row.reference_prefers_double]
    single = [row.name for row in data.datasets if row.reference_prefers_double is False]
    verdict = (f"<p><b>Which clusters prefer the two-component model?</b> By the reference fits (DIC1 &gt; DIC2): "
               f"{_e(', '.join(double) or 'none')}; the single beta model suffices for "
               f"{_e(', '.join(single) or 'none')}. The last column gives the share of this class's students "
               "who reached the same conclusion from their own chains.</p>")
    return (
        "<h2 id='comparison'>Class comparison</h2>"
        "<p>For every data set: each student's posterior median and central 68% interval of the single-beta "
        "slope &beta; and core radius r<sub>c</sub> (from the chains they handed in; hollow red points failed the "
        "chain checks), and their DIC1&nbsp;&minus;&nbsp;DIC2 (positive: the two-component model is preferred), "
        "beside the reference fit (grey band: 99% interval) and the simulator's truth (star; for clusters with two "
        "components it is the compact component, which a single beta model cannot reproduce).</p>"
        + _image(comparison_figure(data), "class comparison") + verdict + table
    )


def cells_section(data: ClassData) -> str:
    rows = []
    for cell in data.cells:
        failures = "<br>".join(f"{count}&times; {_e(reason)}: {_e(example)}"
                               for reason, count, example in cell.common_failures())
        rate = "&ndash;" if cell.pass_rate is None else f"{100 * cell.pass_rate:.0f}% of {cell.judged}"
        rows.append([_e(cell.grade_id), _num(cell.max_score), _e(cell.kind), rate, _num(cell.mean_score),
                     failures or '<span class="muted">&ndash;</span>'])
    return ("<h2 id='cells'>Per cell</h2><p>What the class found hard: the share passing each automatically "
            "judged cell, and the most common reasons for failing (numbers blanked out so that the same "
            "mistake is counted once).</p>" + _image(cells_figure(data), "pass rate per cell")
            + _table(["cell", "points", "graded", "passed", "mean score", "most common failures"], rows,
                     numeric={1, 4}))


def students_section(data: ClassData) -> str:
    cells = [c.grade_id for c in data.cells]
    rows = []
    for s in data.students:
        flags = "; ".join(s.flags)
        rows.append([_e(s.student), _e(s.assigned), _num(s.total), _num(s.max_total),
                     _num(s.run_s, 4), f'<span class="flag">{_e(flags)}</span>' if flags else '<span class="ok">ok</span>',
                     *(_num(s.scores.get(c)) for c in cells)])
    return ("<h2 id='students'>Per student</h2>"
            + _scores_cards(data) + _image(scores_figure(data), "distribution of total scores")
            + _table(["student", "data set", "total", "of", "notebook run (s)", "flags", *map(_e, cells)], rows,
                     numeric={2, 3, 4, *range(6, 6 + len(cells))}))


def _scores_cards(data: ClassData) -> str:
    totals = [s.total for s in data.students]
    flagged = sum(bool(s.flags) for s in data.students)
    cards = [("students graded", str(len(totals))),
             ("median total", _num(_median_of(totals)) if totals else "&ndash;"),
             ("flagged", str(flagged)),
             ("data sets", str(len(data.datasets)))]
    return "<div class='cards'>" + "".join(f"<div class='card'><b>{v}</b>{_e(k)}</div>" for k, v in cards) + "</div>"


def render(data: ClassData, files: list[str]) -> str:
    links = " &middot; ".join(f'<a href="{_e(name)}">{_e(name)}</a>' for name in files)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Class report: {_e(data.assignment)}</title>
<style>{STYLE}</style></head>
<body>
<h1>Class report: {_e(data.assignment)}</h1>
<p class="meta">Written {_e(time.strftime('%Y-%m-%d %H:%M'))} from the gradebook and the graded answers.
Tables as CSV: {links}</p>
<p><a href="#comparison">class comparison</a> &middot; <a href="#cells">per cell</a> &middot;
<a href="#students">per student</a></p>
{comparison_section(data)}
{cells_section(data)}
{students_section(data)}
</body></html>
"""
