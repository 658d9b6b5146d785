"""Message sequence charts of a test's exchange, as inline SVG.

Two lifelines: the harness (playing the DUT's counterpart) on the left, the DUT
on the right. One arrow per message in exchange order, labelled with its number,
name and time since the first message; arrows are red when a finding other than
PASS cites the message, and link to the decoded message below the chart. All
text is escaped here (the result is Markup, inserted as is by the template).
Arrowheads are polygons, not <marker>s, so no element ids can collide when
hundreds of charts share one page.
"""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 620
LEFT, RIGHT = 110, 510
TOP = 44
ROW = 30
BAD = "#c0392b"
OK = "#2c3e50"


def _arrow(y: int, to_right: bool, colour: str) -> str:
    x1, x2 = (LEFT, RIGHT) if to_right else (RIGHT, LEFT)
    tip = x2
    back = tip - 9 if to_right else tip + 9
    return (f'<line x1="{x1}" y1="{y}" x2="{back}" y2="{y}" stroke="{colour}" stroke-width="1.5"/>'
            f'<polygon points="{tip},{y} {back},{y - 4} {back},{y + 4}" fill="{colour}"/>')


def render(messages, dut_name: str, findings=()) -> Markup:
    """The SVG chart for `messages` (model_view.Message records)."""
    flagged = {i for f in findings if f.verdict not in ("PASS", "NONE") for i in f.evidence}
    height = TOP + ROW * len(messages) + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="msc" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="message sequence chart">',
             f'<text x="{LEFT}" y="16" text-anchor="middle" font-weight="bold">harness</text>',
             f'<text x="{RIGHT}" y="16" text-anchor="middle" font-weight="bold">DUT {escape(dut_name[:40])}</text>']
    for x in (LEFT, RIGHT):
        parts.append(f'<line x1="{x}" y1="24" x2="{x}" y2="{height - 8}" stroke="#7f8c8d" stroke-dasharray="4 3"/>')
    for row, m in enumerate(messages):
        y = TOP + ROW * row
        bad = m.index in flagged or m.error is not None
        colour = BAD if bad else OK
        to_right = m.direction == "sent"
        label = f"{m.index}. {m.name}" + (" (!)" if bad else "")
        parts.append(f'<a href="#{escape(m.anchor)}">')
        parts.append(f'<text x="{(LEFT + RIGHT) // 2}" y="{y - 5}" text-anchor="middle" fill="{colour}">'
                     f'{escape(label[:70])}</text>')
        parts.append(_arrow(y, to_right, colour))
        parts.append("</a>")
        parts.append(f'<text x="4" y="{y + 4}" font-size="10" fill="#7f8c8d">+{m.offset_ms:.1f} ms</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - numbers and escape()d text only
