"""Hostile mutations of REAL recorded records and READMEs, for the fuzz battery.

Every mutation starts from a real record of the bundled sample (or a real README) and changes
one thing the way a hostile or careless uploader could: a number beyond int64, a non-finite
float, an impossible date, a value of the wrong type, a lone surrogate, nesting thousands of
levels deep, a huge string, undecodable bytes. The mutated record is served *verbatim* by the
replay Hub (`ReplayStore.from_records(..., verbatim=...)`), since `json.dumps` itself cannot
write some of these bodies. The values are SYNTHETIC; the records they are planted in are real.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

PLACEHOLDER = "__ptm_hostile_value__"


@dataclass(frozen=True)
class RawJson:
    """A JSON value given as the exact bytes to serve (may be invalid for `json.dumps`)."""

    body: bytes


def nested(depth: int, leaf: bytes = b"1") -> bytes:
    """A JSON object nested `depth` levels deep, as bytes."""
    return b'{"a":' * depth + leaf + b"}" * depth


def encode_record(record: dict[str, Any], field: str, value: Any) -> bytes:
    """`record` as compact JSON bytes with `field` (dotted path) set to `value`."""
    copy = json.loads(json.dumps(record))
    target = copy
    *parents, last = field.split(".")
    for name in parents:
        if not isinstance(target.get(name), dict):
            target[name] = {}
        target = target[name]
    raw = value.body if isinstance(value, RawJson) else None
    target[last] = PLACEHOLDER if raw is not None else value
    body = json.dumps(copy, separators=(",", ":")).encode("ascii")
    return body.replace(json.dumps(PLACEHOLDER).encode(), raw) if raw is not None else body


# Values a field can be set to (bytes through RawJson when json.dumps cannot write them).
hostile_values = st.one_of(
    st.integers(min_value=19, max_value=5000).map(lambda n: RawJson(b"9" * n)),
    st.integers(min_value=19, max_value=60).map(lambda n: RawJson(b"-" + b"9" * n)),
    st.sampled_from([RawJson(b"NaN"), RawJson(b"Infinity"), RawJson(b"-Infinity")]),
    st.sampled_from([RawJson(b"1e400"), RawJson(b"-0.0"), RawJson(b"1.5")]),
    st.integers(min_value=100, max_value=4000).map(lambda n: RawJson(nested(n))),
    st.sampled_from(
        ["2024-13-45T00:00:00.000Z", "0000-00-00", "9999-12-31T23:59:59-23:59", "", "nan"]
    ),
    st.sampled_from([RawJson(b'"\\ud800"'), RawJson(b'"x\\udfff\\u0000y"')]),
    st.sampled_from([RawJson(b'"\\u202e\\ufeffRTL"'), "\U0001f600" * 50]),
    st.sampled_from([True, False, None, [], {}, [1, "a", None], {"x": [None]}]),
    st.integers(min_value=1, max_value=3).map(lambda k: "x" * (10**k * 300)),
)

record_fields = st.sampled_from(
    [
        "downloads",
        "downloadsAllTime",
        "likes",
        "trendingScore",
        "createdAt",
        "lastModified",
        "sha",
        "author",
        "tags",
        "pipeline_tag",
        "library_name",
        "private",
        "gated",
        "cardData",
        "cardData.base_model",
        "cardData.datasets",
        "cardData.model-index",
        "config",
        "config.architectures",
        "safetensors.total",
        "siblings",
        "spaces",
        "model-index",
    ]
)


# Front-matter lines an uploader could write (each alone in an otherwise real README).
front_matter_lines = st.one_of(
    st.sampled_from(
        [
            b"created: 2024-13-45",
            b"date: 2024-02-30 25:61:61",
            b"license: !!python/object/apply:os.system ['echo pwned']",
            b"n: !!int abc",
            b"b: !!bool maybe",
            b"f: !!float 1e99999",
            b"bin: !!binary '@@@'",
            b"ts: !!timestamp 2024-99-99",
            b"key: [unclosed",
            b"\t tab: indented",
            b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c]\n"
            b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e]",
            b"datasets: \xff\xfe\x00invalid utf-8",
            b"- a list\n- not a mapping",
        ]
    ),
    st.integers(min_value=19, max_value=6000).map(lambda n: b"big: " + b"9" * n),
    st.integers(min_value=50, max_value=5000).map(lambda n: b"deep: " + b"[" * n + b"]" * n),
    st.integers(min_value=50, max_value=400).map(
        lambda n: b"deep:\n" + b"".join(b"  " * i + b"k:\n" for i in range(1, n)) + b"  " * n + b"v"
    ),
)


def hostile_readme(real: bytes, line: bytes) -> bytes:
    """A real README with `line` added to its front matter (a front matter is made if none)."""
    if real.startswith(b"---\n"):
        return b"---\n" + line + b"\n" + real[4:]
    return b"---\n" + line + b"\n---\n" + real


readme_wrappers = st.sampled_from(["as-is", "utf16", "bom", "huge", "nul", "no-close"])


def wrap_readme(readme: bytes, how: str) -> bytes:
    """Encodings and sizes: UTF-16 with BOM, UTF-8 BOM, over the size limit, NUL bytes."""
    if how == "utf16":
        return readme.decode("utf-8", "replace").encode("utf-16")
    if how == "bom":
        return b"\xef\xbb\xbf" + readme
    if how == "huge":
        return readme + b"\n" + b"# section\nwords " * 200_000
    if how == "nul":
        return readme.replace(b"\n", b"\n\x00", 5)
    if how == "no-close":
        return b"---\nlicense: mit\n" + readme
    return readme
