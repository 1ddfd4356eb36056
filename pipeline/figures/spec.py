"""`Figure`: what one figure or table of the report is made of (see `pipeline.figures`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from pipeline.analyze.run import Scan

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MatplotlibFigure

Tables = Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class Figure:
    """One figure or table: computing it, drawing it, its report section, its paper reference.

    Attributes:
        name: the figure's name; its image is `<name>.png` / `.pdf` in the results folder.
        tables: the result tables it writes (`<table>.csv`), in order.
        compute: the result tables from the snapshot's `Scan` (an empty dict when the scan
            cannot give them, e.g. Figure 1 in an in-memory run).
        section: the report's Markdown lines, from the result tables read back (a missing
            table is absent from the mapping), the report context and the paper's numbers.
        definitions: (file names, meaning) lines of the report's "Definitions".
        paper_key: the key of its numbers in `pipeline/reference/icse23.yaml`, if any.
        draw: the figure from its result tables and a subtitle suffix; None: a table only.
        draw_inputs: the result tables `draw` needs (all must be present).
        required: `ptm plot` fails when its inputs are missing (else it skips the figure).
        schemas: per result table, its columns with their meaning (`pipeline.dictionary`).
    """

    name: str
    tables: tuple[str, ...]
    compute: Callable[[Scan], dict[str, pd.DataFrame]]
    section: Callable[[Tables, dict, dict], list[str]]
    definitions: tuple[tuple[str, str], ...] = ()
    paper_key: str | None = None
    draw: Callable[[Tables, str], MatplotlibFigure] | None = None
    draw_inputs: tuple[str, ...] = ()
    required: bool = False
    schemas: Mapping[str, pa.Schema] = field(default_factory=dict)
