"""Write figures to disk (the plot functions only build them)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from pipeline.atomic import write_atomic

FORMATS = ("png", "pdf")
DPI = 150


def save_figure(fig: Figure, results_dir: Path, name: str) -> list[Path]:
    """Write `<results_dir>/<name>.png` (150 dpi) and `.pdf`, each atomically."""
    results_dir = Path(results_dir)
    return [
        write_atomic(
            results_dir / f"{name}.{fmt}",
            lambda out, fmt=fmt: fig.savefig(out, format=fmt, dpi=DPI),
        )
        for fmt in FORMATS
    ]
