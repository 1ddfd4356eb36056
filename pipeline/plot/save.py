"""Write figures to disk (the plot functions only build them)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from matplotlib.figure import Figure

FORMATS = ("png", "pdf")
DPI = 150


def save_figure(fig: Figure, results_dir: Path, name: str) -> list[Path]:
    """Write `<results_dir>/<name>.png` (150 dpi) and `.pdf`, each via a temp file + rename."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in FORMATS:
        target = results_dir / f"{name}.{fmt}"
        handle, temp = tempfile.mkstemp(dir=results_dir, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                fig.savefig(out, format=fmt, dpi=DPI)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written
