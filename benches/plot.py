#!/usr/bin/env python3
"""Plot plan time against clusters x templates (log-log) as a hand-written SVG, no dependencies.

Reads lines of `clusters templates mean_seconds stddev_seconds` on stdin (benches/plan.sh writes
them) and prints the SVG on stdout. A dashed line shows linear growth through the smallest point.
"""

import math
import sys

WIDTH, HEIGHT = 640, 420
LEFT, RIGHT, TOP, BOTTOM = 80, 30, 40, 60


def decades(low, high):
    """The powers of ten that bracket [low, high]."""
    return list(range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1))


def label(value):
    """A short label for a power of ten: 1k, 10M, 100 ms, 1 s."""
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:g}{suffix}"
    return f"{value:g}"


def seconds(value):
    if value < 1:
        return f"{value * 1e3:g} ms"
    return f"{value:g} s"


def main():
    points = []
    for line in sys.stdin:
        fields = line.split()
        if len(fields) >= 3:
            clusters, templates, mean = int(fields[0]), int(fields[1]), float(fields[2])
            sd = float(fields[3]) if len(fields) > 3 else 0.0
            points.append((clusters * templates, mean, sd, f"{clusters}×{templates}"))
    points.sort()
    if not points:
        sys.exit("plot.py: no points on stdin")

    xs = decades(min(p[0] for p in points), max(p[0] for p in points))
    ys = decades(min(p[1] for p in points) / 1.5, max(p[1] for p in points) * 1.5)
    if len(xs) < 2:
        xs.append(xs[0] + 1)
    if len(ys) < 2:
        ys.append(ys[0] + 1)

    def x_of(value):
        span = (math.log10(value) - xs[0]) / (xs[-1] - xs[0])
        return LEFT + span * (WIDTH - LEFT - RIGHT)

    def y_of(value):
        span = (math.log10(value) - ys[0]) / (ys[-1] - ys[0])
        return HEIGHT - BOTTOM - span * (HEIGHT - TOP - BOTTOM)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="14">'
        "mcctl plan --refresh=false: wall time vs clusters × templates</text>",
    ]
    for power in xs:
        x = x_of(10**power)
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">'
            f"{label(10**power)}</text>"
        )
    for power in ys:
        y = y_of(10**power)
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{seconds(10**power)}</text>'
        )
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{HEIGHT - TOP - BOTTOM}" fill="none" stroke="#444"/>'
    )
    out.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 18}" text-anchor="middle">'
        "clusters × templates (log)</text>"
    )
    out.append(
        f'<text x="18" y="{(TOP + HEIGHT - BOTTOM) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 18 {(TOP + HEIGHT - BOTTOM) / 2})">wall time (log)</text>'
    )

    # Linear growth through the first point, for reference.
    first_size, first_time = points[0][0], points[0][1]
    end_size = 10 ** xs[-1]
    end_time = first_time * end_size / first_size
    if end_time > 10 ** ys[-1]:
        end_time = 10 ** ys[-1]
        end_size = first_size * end_time / first_time
    out.append(
        f'<line x1="{x_of(first_size):.1f}" y1="{y_of(first_time):.1f}" '
        f'x2="{x_of(end_size):.1f}" y2="{y_of(end_time):.1f}" stroke="#999" '
        'stroke-dasharray="5,4"/>'
    )
    out.append(
        f'<text x="{x_of(end_size) - 4:.1f}" y="{y_of(end_time) + 14:.1f}" text-anchor="end" '
        'fill="#777">linear</text>'
    )

    path = " ".join(
        f"{'M' if index == 0 else 'L'}{x_of(size):.1f},{y_of(mean):.1f}"
        for index, (size, mean, _, _) in enumerate(points)
    )
    out.append(f'<path d="{path}" fill="none" stroke="#1f6fb4" stroke-width="2"/>')
    for size, mean, sd, name in points:
        x, y = x_of(size), y_of(mean)
        if sd > 0 and mean - sd > 0:
            out.append(
                f'<line x1="{x:.1f}" y1="{y_of(mean + sd):.1f}" x2="{x:.1f}" '
                f'y2="{y_of(mean - sd):.1f}" stroke="#1f6fb4"/>'
            )
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#1f6fb4"/>')
        out.append(
            f'<text x="{x + 8:.1f}" y="{y - 8:.1f}">{name}: {seconds(round(mean, 3))}</text>'
        )
    out.append("</svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
