"""report.html: the Markdown report as one self-contained HTML page (figures embedded as
base64 PNG, inline CSS, no external assets).

The converter handles the Markdown the report is written in: `#` headings, paragraphs,
`-` lists, pipe tables, images `![alt](file.png)`, and inline `code`, **bold**, *italic*
and [links](url). Everything else is shown as escaped text.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
code{background:#f4f4f4;padding:0 .2em;border-radius:3px}
img{max-width:100%;border:1px solid #eee}
h1{font-size:1.6em}h2{font-size:1.3em;margin-top:1.6em;border-bottom:1px solid #ddd}
"""
_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)\)\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def markdown_to_html(text: str, images: Path | None = None, title: str = "Report") -> str:
    """A standalone HTML page; images are read from `images` (a folder) and embedded."""
    body: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        heading = _HEADING.match(line)
        image = _IMAGE.match(line.strip())
        if heading:
            level = len(heading.group(1))
            body.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            i += 1
        elif image:
            body.append(_image(image.group(1), image.group(2), images))
            i += 1
        elif (
            line.lstrip().startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1])
        ):
            rows = [line]
            i += 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                rows.append(lines[i])
                i += 1
            body.append(_table(rows))
        elif re.match(r"^\s*[-*]\s+", line):
            items = []
            while i < len(lines) and re.match(r"^\s*[-*]\s+", lines[i]):
                item = re.sub(r"^\s*[-*]\s+", "", lines[i])
                i += 1
                while i < len(lines) and lines[i].startswith("  ") and lines[i].strip():
                    item += " " + lines[i].strip()
                    i += 1
                items.append(f"<li>{_inline(item)}</li>")
            body.append("<ul>" + "".join(items) + "</ul>")
        else:
            paragraph = [line.strip()]
            i += 1
            while i < len(lines) and lines[i].strip() and not _starts_block(lines, i):
                paragraph.append(lines[i].strip())
                i += 1
            body.append(f"<p>{_inline(' '.join(paragraph))}</p>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _starts_block(lines: list[str], i: int) -> bool:
    line = lines[i]
    return bool(
        _HEADING.match(line)
        or _IMAGE.match(line.strip())
        or re.match(r"^\s*[-*]\s+", line)
        or (
            line.lstrip().startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1])
        )
    )


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|"):
        row = row[:-1]
    return [cell.strip() for cell in row.split("|")]


def _table(rows: list[str]) -> str:
    head, *rest = rows
    out = ["<table><thead><tr>"]
    out += [f"<th>{_inline(c)}</th>" for c in _cells(head)]
    out.append("</tr></thead><tbody>")
    for row in rest:
        out.append("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in _cells(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _image(alt: str, source: str, folder: Path | None) -> str:
    path = (Path(folder) / source) if folder is not None else Path(source)
    if "://" in source or not path.is_file() or path.suffix.lower() != ".png":
        return f"<p><em>[figure {html.escape(alt)}: {html.escape(source)} not available]</em></p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></figure>'


def _inline(text: str) -> str:
    """Escape, then apply `code`, **bold**, *italic* and [text](url) (http(s) only)."""
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) >= 2:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
            continue
        escaped = html.escape(part)
        escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
        escaped = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", escaped)
        escaped = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r'<a href="\2">\1</a>', escaped)
        out.append(escaped)
    return "".join(out)
