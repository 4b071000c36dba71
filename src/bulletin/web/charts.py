"""Bar charts as inline SVG, drawn on the server: no script, no chart library.

The bars are drawn in the SVG; their labels are page text placed under the first and
last bar (`label_edges`), so they stay legible when a phone shrinks the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 200
LEFT, BOTTOM, TOP = 8, 4, 10  # no axis text inside: the labels are page text
MAX_BAR = 40  # a short send's few bars stay bars, not walls


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    peak: int
    total: int
    axis_y: float  # where the x axis is drawn
    left: int
    top: int

    def label_edges(self) -> tuple[float, float]:
        """Where the first bar starts and the last one ends, as percentages of the width
        from the left and from the right: where the first and last labels are set."""
        if not self.bars:
            return 0.0, 0.0
        first, last = self.bars[0], self.bars[-1]
        return (
            round(100 * first.x / self.width, 2),
            round(100 * (self.width - last.x - last.width) / self.width, 2),
        )


def bar_chart(points: list[tuple[str, int]]) -> BarChart:
    """Geometry for one bar per (label, count); the template draws it."""
    peak = max((count for _, count in points), default=0)
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(points), 1)
    bars = []
    bar_w = min(max(step * 0.8, 0.5), MAX_BAR)
    for i, (label, count) in enumerate(points):
        h = plot_h * count / peak if peak else 0.0
        bars.append(
            Bar(
                x=round(LEFT + i * step + (step - bar_w) / 2, 2),
                y=round(TOP + plot_h - h, 2),
                width=round(bar_w, 2),
                height=round(h, 2),
                count=count,
                label=label,
            )
        )
    total = sum(count for _, count in points)
    return BarChart(WIDTH, HEIGHT, bars, peak, total, TOP + plot_h, LEFT, TOP)
