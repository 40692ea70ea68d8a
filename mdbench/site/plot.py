"""Inline SVG scatter plots (accuracy against cost) for the site: no JavaScript, no external files."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

#: marker and colour of each role (references drawn distinct from models, as in mdbench.plotting)
ROLE_STYLE = {"model": ("circle", "#1f77b4"), "static reference": ("square", "#8c8c8c"),
              "physics reference": ("diamond", "#000000"), "data reference": ("triangle", "#2ca02c")}
W, H = 760, 400
LEFT, RIGHT, TOP, BOTTOM = 78, 130, 52, 56


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    err: float
    label: str
    role: str


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    start = math.ceil(lo / step) * step
    ticks = []
    t = start
    while t <= hi + 1e-12 * abs(hi):
        ticks.append(round(t, 12))
        t += step
    return ticks


def _marker(shape: str, x: float, y: float, colour: str, r: float = 5.0) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" fill="{colour}"/>'
    if shape == "diamond":
        pts = f"{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y:.1f} {x:.1f},{y + r + 1:.1f} {x - r - 1:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    pts = f"{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y + r:.1f} {x - r - 1:.1f},{y + r:.1f}"
    return f'<polygon points="{pts}" fill="{colour}"/>'


def _label_positions(anchors: list[tuple[float, float, str]], taken: list[tuple[float, float, float, float]]):
    """Greedy placement of point labels right of their markers, moved down/up until no two overlap."""
    out = []
    for x, y, text in anchors:
        w, h = 6.2 * len(text), 12.0
        for dy in (-6, 14, -18, 26, -30, 38, -42, 50):
            box = (x + 8, y + dy - h + 2, x + 8 + w, y + dy + 2)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
                break
        taken.append(box)
        out.append((x + 8, y + dy))
    return out


def scatter_svg(points: list[Point], *, xlabel: str, ylabel: str, title: str, lines: list[Point] = ()) -> str:
    """A scatter of ``points`` (log x; y linear, or log when every value is positive and they span more than
    a factor 50; ± err bars), references marked by role, labelled by name; ``lines``: references without
    a cost, drawn as dashed horizontal lines at their value (``x`` unused)."""
    every = [*points, *lines]
    xs = [math.log10(p.x) for p in points]
    x_lo, x_hi = math.floor(min(xs)), math.ceil(max(xs))
    if x_hi == x_lo:
        x_lo, x_hi = x_lo - 1, x_hi + 1
    log_y = all(p.y > 0 for p in every) and max(p.y for p in every) > 50 * min(p.y for p in every)
    ty = math.log10 if log_y else (lambda v: v)
    if log_y:
        y_lo = math.floor(math.log10(min(p.y for p in every)))
        y_hi = math.ceil(math.log10(max(p.y + p.err for p in every)))
    else:
        y_lo = min(p.y - p.err for p in every)
        y_hi = max(p.y + p.err for p in every)
        pad = (y_hi - y_lo) * 0.08 or abs(y_hi) * 0.1 or 1.0
        y_lo, y_hi = y_lo - pad, y_hi + pad
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def sx(v):
        return LEFT + (math.log10(v) - x_lo) / (x_hi - x_lo) * pw

    def sy(v):
        v = ty(max(v, 10.0 ** y_lo)) if log_y else v
        return TOP + (y_hi - v) / (y_hi - y_lo) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="cost-plot" viewBox="0 0 {W} {H}" role="img" '
           f'aria-label="{escape(title)}">',
           f'<title>{escape(title)}</title>',
           f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>']
    for k in range(x_lo, x_hi + 1):
        x = sx(10.0 ** k)
        out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + ph}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{TOP + ph + 16}" text-anchor="middle" class="tick">10<tspan dy="-6" '
                   f'font-size="9">{k}</tspan></text>')
    yticks = [10.0 ** k for k in range(y_lo, y_hi + 1)] if log_y else _nice_ticks(y_lo, y_hi)
    for tick in yticks:
        y = sy(tick)
        label = (f'10<tspan dy="-6" font-size="9">{round(math.log10(tick))}</tspan>' if log_y else f"{tick:g}")
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + pw}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{label}</text>')
    out.append(f'<text x="{LEFT + pw / 2:.1f}" y="{H - 12}" text-anchor="middle" class="axis">{escape(xlabel)}</text>')
    out.append(f'<text transform="translate(16,{TOP + ph / 2:.1f}) rotate(-90)" text-anchor="middle" '
               f'class="axis">{escape(ylabel + (" (log)" if log_y else ""))}</text>')
    out.append(f'<text x="{LEFT}" y="18" class="plot-title">{escape(title)}</text>')
    taken: list[tuple[float, float, float, float]] = []
    for p in lines:
        _, colour = ROLE_STYLE.get(p.role, ROLE_STYLE["static reference"])
        y = sy(p.y)
        out.append(f'<g class="ref-line" data-role="{escape(p.role)}"><title>{escape(p.label)} ({escape(p.role)}, '
                   f'no cost recorded): {p.y:.3g} ± {p.err:.2g}</title><line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + pw}" '
                   f'y2="{y:.1f}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="6 4"/></g>')
        out.append(f'<text x="{LEFT + pw + 4}" y="{y + 4:.1f}" class="pt-label">{escape(p.label)}</text>')
    anchors = []
    for p in points:
        shape, colour = ROLE_STYLE.get(p.role, ROLE_STYLE["static reference"])
        x, y = sx(p.x), sy(p.y)
        taken.append((x - 6, y - 6, x + 6, y + 6))
        if p.err > 0:
            out.append(f'<line x1="{x:.1f}" y1="{sy(p.y - p.err):.1f}" x2="{x:.1f}" y2="{sy(p.y + p.err):.1f}" '
                       f'stroke="{colour}" stroke-width="1.2"/>')
        out.append(f'<g class="pt" data-role="{escape(p.role)}"><title>{escape(p.label)} ({escape(p.role)}): '
                   f'{p.y:.3g} ± {p.err:.2g} at {p.x:.3g}</title>{_marker(shape, x, y, colour)}</g>')
        anchors.append((x, y, p.label))
    for (lx, ly_), (_, _, text) in zip(_label_positions(anchors, taken), anchors):
        out.append(f'<text x="{lx:.1f}" y="{ly_:.1f}" class="pt-label">{escape(text)}</text>')
    lx = LEFT
    for role, (shape, colour) in ROLE_STYLE.items():
        if any(p.role == role for p in every):
            out.append(_marker(shape, lx + 5, TOP - 12, colour, 4.5))
            out.append(f'<text x="{lx + 14}" y="{TOP - 8}" class="legend">{escape(role)}</text>')
            lx += 24 + 6.5 * len(role)
    out.append("</svg>")
    return "\n".join(out)


def dots_svg(points: list[Point], *, metric: str, units: str, higher_is_better: bool) -> str:
    """Every entry on one metric, side by side: a row per entry in the given order, its value as a marker
    (the role's shape) with its ± bar; log x when every value is positive and they span over a factor 50.
    ``Point.x`` is unused. Each marker carries its value in ``data-value`` (the site's tests compare it with
    the committed JSON)."""
    lw, right, top, row = 150, 20, 34, 20
    width, height = 440, top + row * len(points) + 30
    lo = min(p.y - p.err for p in points)
    hi = max(p.y + p.err for p in points)
    log_x = lo > 0 and hi > 50 * min(p.y for p in points)
    if log_x:
        x_lo, x_hi = math.floor(math.log10(min(p.y for p in points))), math.ceil(math.log10(hi))
    else:
        pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
        x_lo, x_hi = lo - pad, hi + pad
    pw = width - lw - right

    def sx(v: float) -> float:
        v = math.log10(max(v, 10.0 ** x_lo)) if log_x else v
        return lw + (v - x_lo) / (x_hi - x_lo) * pw

    better = "higher" if higher_is_better else "lower"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="dots-plot" data-metric="{escape(metric)}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(metric)}, every entry">',
           f'<text x="4" y="16" class="plot-title">{escape(metric)} [{escape(units)}] — {better} is better'
           f'{" (log)" if log_x else ""}</text>',
           f'<rect x="{lw}" y="{top - 6}" width="{pw}" height="{row * len(points) + 6}" fill="none" stroke="#444"/>']
    ticks = [10.0 ** k for k in range(x_lo, x_hi + 1)] if log_x else _nice_ticks(x_lo, x_hi, 4)
    for tick in ticks:
        x = sx(tick)
        label = f'10<tspan dy="-6" font-size="9">{round(math.log10(tick))}</tspan>' if log_x else f"{tick:g}"
        out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{top + row * len(points)}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{top + row * len(points) + 16}" text-anchor="middle" class="tick">{label}</text>')
    for i, p in enumerate(points):
        shape, colour = ROLE_STYLE.get(p.role, ROLE_STYLE["static reference"])
        y = top + row * i + row / 2 - 4
        out.append(f'<text x="{lw - 6}" y="{y + 4:.1f}" text-anchor="end" class="pt-label">{escape(p.label)}</text>')
        if p.err > 0:
            out.append(f'<line x1="{sx(p.y - p.err):.1f}" y1="{y:.1f}" x2="{sx(p.y + p.err):.1f}" y2="{y:.1f}" '
                       f'stroke="{colour}" stroke-width="1.2"/>')
        out.append(f'<g class="pt" data-role="{escape(p.role)}" data-label="{escape(p.label)}" data-value="{p.y!r}">'
                   f'<title>{escape(p.label)} ({escape(p.role)}): {p.y:.3g} ± {p.err:.2g}</title>'
                   f'{_marker(shape, sx(p.y), y, colour, 4.0)}</g>')
    out.append("</svg>")
    return "\n".join(out)
