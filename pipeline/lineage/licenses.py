"""How permissive a licence is, for comparing a derived model's licence with its base's.

An ordinal table, written by hand, of the Hub's licence identifiers (hub-docs
`repositories-licenses.md`, plus the Llama 3 family and `apple-ascl` the Hub accepted later).
A licence ranks by what it lets *anyone who receives the model* do with it, in five tiers
(5 = most permissive):

- **5 public domain**: no condition at all (`cc0-1.0`, `unlicense`, `pddl`, `wtfpl`).
- **4 permissive**: any use, including commercial and derivatives, on the condition of
  attribution or keeping a notice (MIT, Apache-2.0, the BSDs, ISC, zlib, CC-BY, ODC-By,
  CDLA-Permissive, ...).
- **3 copyleft**: any use, but derivatives (or, for the weak copylefts, changed files) must
  be released under the same licence (GPL, LGPL, AGPL, MPL, EPL, EUPL, CC-BY-SA, ODbL,
  CDLA-Sharing, ...).
- **2 use-restricted**: commercial use allowed, but with use restrictions that must be
  passed on to every derivative (acceptable-use policies, user caps): the OpenRAIL family,
  BLOOM RAIL, Llama 2 and 3 community licences, Gemma terms.
- **1 non-commercial or no-derivatives**: no commercial use (CC-BY-NC*, DeepFloyd IF's
  research licence) or no derivatives at all (CC-BY-ND, CC-BY-NC-ND).

A derived model whose licence sits in a *higher* tier than its base's claims rights the
base did not grant (a CC-BY-NC fine-tune released as Apache-2.0; a Llama 2 quantization as
MIT), unless its author also holds the base's rights. Within a tier no order is claimed.
Copyleft sits above use-restricted because it restricts only how derivatives are licensed,
never what the model may be used for; an order between them is a judgement, stated here.

**Not ranked** (never compared): `other` and `unknown` (the Hub's catch-alls, whose terms
are in a LICENSE file), an absent licence, `cc` (which Creative Commons licence is not
said), `c-uda` and `apple-ascl` (custom terms), and anything not in the table. This is a
coarse order for measurement, not legal advice.
"""

from __future__ import annotations

import pandas as pd

TIERS: dict[int, str] = {
    5: "public domain",
    4: "permissive",
    3: "copyleft",
    2: "use-restricted",
    1: "non-commercial or no-derivatives",
}

_BY_TIER: dict[int, tuple[str, ...]] = {
    5: ("cc0-1.0", "unlicense", "pddl", "wtfpl"),
    4: (
        "mit",
        "apache-2.0",
        "bsd",
        "bsd-2-clause",
        "bsd-3-clause",
        "bsd-3-clause-clear",
        "isc",
        "zlib",
        "bsl-1.0",
        "afl-3.0",
        "artistic-2.0",
        "postgresql",
        "ncsa",
        "ecl-2.0",
        "ms-pl",
        "etalab-2.0",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "odc-by",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
    ),
    3: (
        "gpl",
        "gpl-2.0",
        "gpl-3.0",
        "agpl-3.0",
        "lgpl",
        "lgpl-2.1",
        "lgpl-3.0",
        "lgpl-lr",
        "mpl-2.0",
        "epl-1.0",
        "epl-2.0",
        "eupl-1.1",
        "osl-3.0",
        "gfdl",
        "lppl-1.3c",
        "ofl-1.1",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "odbl",
        "cdla-sharing-1.0",
    ),
    2: (
        "openrail",
        "openrail++",
        "creativeml-openrail-m",
        "bigscience-openrail-m",
        "bigcode-openrail-m",
        "bigscience-bloom-rail-1.0",
        "llama2",
        "llama3",
        "llama3.1",
        "llama3.2",
        "llama3.3",
        "gemma",
    ),
    1: (
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0",
        "cc-by-nd-4.0",
        "deepfloyd-if-license",
    ),
}

# licence identifier (lower case) -> tier
PERMISSIVENESS: dict[str, int] = {
    licence: tier for tier, licences in _BY_TIER.items() for licence in licences
}
UNRANKED: tuple[str, ...] = ("other", "unknown", "cc", "c-uda", "apple-ascl")


def rank(licences: pd.Series) -> pd.Series:
    """Tier of each licence (case-insensitive), <NA> when not ranked."""
    return licences.astype(object).str.strip().str.lower().map(PERMISSIVENESS).astype("Int64")


def license_table() -> pd.DataFrame:
    """The table itself: `tier`, `tier_name`, `licenses` (space-separated), most permissive
    first, then the identifiers deliberately left unranked."""
    rows = [(tier, TIERS[tier], " ".join(_BY_TIER[tier])) for tier in sorted(TIERS, reverse=True)]
    rows.append((pd.NA, "not ranked", " ".join(UNRANKED) + " (and absent or unlisted)"))
    return pd.DataFrame(rows, columns=["tier", "tier_name", "licenses"]).astype({"tier": "Int64"})
