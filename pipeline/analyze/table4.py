"""Table IV of the paper: adoption of mitigations for reuse risks, measured.

Rows (`mitigation`) and their definitions:

- `organization_verification`: verified organisations / organisations (`orgs` table, rows
  with `kind == "org"` whose `is_verified` is known). Paper: 199 / 6,243 (3.19%).
- `signed_commits`: repositories with at least one signed commit (a `gpgsig` header) /
  repositories whose history was read (`commits` table). When the table covers fewer
  repositories than the population (a sample), a 95% Wilson interval is given. Paper:
  132 / 63,182 (0.21%).
- `machine_parseable_claims`: models whose model-index holds a metric value / models
  (Figure 7's definition, every task). Paper: "less than 0.1%" in Table IV, while its
  Figure 7 counts 2,594 / 62,467 (4.2%).
- `dataset_fan_in`: the training dataset named by most models (`datasets` column): its
  model count / models. Paper: "one dataset has 1,673 downstream PTMs".
- `base_model_fan_in`: the base model named by most models (`base_models` column: the
  `base_model:` tags, else the card's `base_model`): its derived-model count / models.
- `security_scan_findings`: models with a file flagged by the Hub's scans / models with
  scan results (`security` table). Paper: ClamAV flagged 0 files.
- `pickle_only_weights`: models whose weight files are all in pickle-based formats
  (pytorch-pickle, pickle, joblib, ckpt) / models with at least one weight file (`files`
  table, formats from `pipeline.snapshot.formats`). Not in the paper.

A row whose table is not in the snapshot says "not measured in this snapshot".

**Samples.** When the crawl sampled a stage (`crawl.orgs_sample`, `commits_sample`,
`security_sample`), its rows carry their stratum and inclusion probability, and the row's
`estimate` is the design-based share (`pipeline.estimate.stratified_ratio`: stratified
Horvitz-Thompson ratio, respondents standing for their stratum), with its 95% CI and `n`
(units measured in the domain); `design` says `stratified sample`. Failed requests (an org
overview that failed, a history that could not be read) are non-response, not "no". A
census gives the exact value (`design` `census`, no CI); a commit sample from before the
sampling design (a stratum but no inclusion probability) keeps its Wilson interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.estimate import CENSUS, Estimate, design_of, stratified_ratio
from pipeline.stats import wilson_interval

COLUMNS = (
    "mitigation",
    "status",
    "measured_value",
    "numerator",
    "denominator",
    "share",
    "ci_low",
    "ci_high",
    "estimate",
    "n",
    "design",
    "paper_value",
    "definition",
)
NOT_MEASURED = "not measured in this snapshot"


def table4(
    *,
    population: int,
    claims: tuple[int, int] | None,
    top_dataset: tuple[str, int] | None,
    top_base_model: tuple[str, int] | None,
    orgs: pd.DataFrame | None = None,
    commits: pd.DataFrame | None = None,
    security: pd.DataFrame | None = None,
    files: pd.DataFrame | None = None,
    paper: dict | None = None,
) -> pd.DataFrame:
    """The Table IV rows (module docstring). `None` for a table means it was not crawled;
    `claims` is (models with claims, models)."""
    paper_values = _paper_values(paper)
    rows = [
        _orgs_row(orgs),
        _commits_row(commits, population),
        _share_row("machine_parseable_claims", claims),
        _fan_in_row("dataset_fan_in", top_dataset, population, "dataset"),
        _fan_in_row("base_model_fan_in", top_base_model, population, "base model"),
        _security_row(security),
        _pickle_row(files),
    ]
    table = pd.DataFrame(rows)
    table["paper_value"] = table["mitigation"].map(paper_values).fillna("")
    table["definition"] = table["mitigation"].map(DEFINITIONS)
    return table[list(COLUMNS)]


DEFINITIONS = {
    "organization_verification": "verified organisations / organisations (orgs: kind=org, "
    "is_verified known)",
    "signed_commits": "repos with >=1 signed commit / repos whose commits were read (commits)",
    "machine_parseable_claims": "models whose model-index holds a metric value / models",
    "dataset_fan_in": "models naming the most-named training dataset / models",
    "base_model_fan_in": "models naming the most-named base model / models",
    "security_scan_findings": "models with a file flagged by the Hub's scans / models scanned",
    "pickle_only_weights": "models whose weights are all pickle-based / models with weights "
    "(files)",
}


def _row(mitigation: str, status: str = NOT_MEASURED, **values) -> dict:
    row = {
        "mitigation": mitigation,
        "status": status,
        "measured_value": "",
        "numerator": None,
        "denominator": None,
        "share": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "estimate": np.nan,
        "n": None,
        "design": "",
    }
    row.update(values)
    return row


def _measured(
    mitigation: str,
    k: int,
    n: int,
    value: str | None = None,
    ci=None,
    estimate: Estimate | None = None,
) -> dict:
    """A measured row: counts, share, and the estimate (the share itself in a census)."""
    share = k / n if n else np.nan
    low, high = ci if ci else (np.nan, np.nan)
    text = value or (f"{k:,}/{n:,} ({100 * share:.2f}%)" if n else f"{k:,}/0")
    design = {"estimate": share, "n": int(n), "design": CENSUS}
    if ci:
        design["design"] = "sample (Wilson)"
    if estimate is not None and not estimate.census:
        low, high = estimate.ci_low, estimate.ci_high
        design = {"estimate": estimate.estimate, "n": estimate.n, "design": estimate.design}
        text = (
            f"{100 * estimate.estimate:.2f}%, 95% CI {100 * low:.2f}-{100 * high:.2f}% "
            f"(stratified sample, {k:,}/{n:,} measured)"
        )
    return _row(
        mitigation,
        "measured",
        measured_value=text,
        numerator=int(k),
        denominator=int(n),
        share=share,
        ci_low=low,
        ci_high=high,
        **design,
    )


def _design_estimate(rows: pd.DataFrame, y: pd.Series, d: pd.Series) -> Estimate | None:
    """The design-based share of `y` among `d` over responding `rows`; None for a census."""
    strata, sizes, sampled = design_of(rows)
    if not sampled:
        return None
    return stratified_ratio(y.to_numpy(dtype=float), d.to_numpy(dtype=float), strata, sizes)


def _orgs_row(orgs: pd.DataFrame | None) -> dict:
    name = "organization_verification"
    if orgs is None:
        return _row(name)
    kind = orgs.get("kind", pd.Series(dtype=object))
    verified = orgs.get("is_verified", pd.Series(dtype=object))
    known = (kind == "org") & verified.notna()
    if not known.any():
        return _row(
            name,
            f"not measured: none of {len(orgs):,} namespaces has a known kind and verification",
        )
    k = int(verified[known].astype(bool).sum())
    answered = kind != "unknown"  # a failed overview is non-response
    positive = known & verified.fillna(False).astype(bool)
    estimate = _design_estimate(orgs[answered], positive[answered], known[answered])
    return _measured(name, k, int(known.sum()), estimate=estimate)


def _commits_row(commits: pd.DataFrame | None, population: int) -> dict:
    name = "signed_commits"
    if commits is None:
        return _row(name)
    read = commits[pd.to_numeric(commits.get("n_commits"), errors="coerce").notna()]
    if read.empty:
        return _row(name, f"not measured: no commit history read ({len(commits):,} rows)")
    signed = pd.to_numeric(read["n_signed"], errors="coerce").fillna(0) > 0
    k, n = int(signed.sum()), int(read["model_id"].nunique())
    if "inclusion_probability" in read and read["inclusion_probability"].notna().any():
        ones = pd.Series(True, index=read.index)
        return _measured(name, k, n, estimate=_design_estimate(read, signed, ones))
    # A snapshot from before the sampling design: the equal-allocation decile sample.
    sampled = n < population or read.get("sample_stratum", pd.Series(dtype=object)).notna().any()
    ci = wilson_interval(k, n) if sampled else None
    row = _measured(name, k, n, ci=ci)
    if sampled:
        row["measured_value"] += f", 95% CI {100 * ci[0]:.2f}-{100 * ci[1]:.2f}% (sample)"
    return row


def _share_row(name: str, pair: tuple[int, int] | None) -> dict:
    if pair is None:
        return _row(name)
    return _measured(name, int(pair[0]), int(pair[1]))


def _fan_in_row(name: str, top: tuple[str, int] | None, population: int, what: str) -> dict:
    if top is None or top[1] == 0:
        return _row(name, "measured: no model names a " + what, measured_value="none")
    label, count = top
    row = _measured(name, count, population)
    row["measured_value"] = f"{label}: {count:,} models ({100 * count / population:.2f}%)"
    return row


def _security_row(security: pd.DataFrame | None) -> dict:
    name = "security_scan_findings"
    if security is None:
        return _row(name)
    scanned = security[security.get("scans_done", pd.Series(dtype=object)).eq(True)]
    if scanned.empty:
        return _row(name, f"not measured: no scan results among {len(security):,} rows")
    issues = scanned["files_with_issues"].map(_length) > 0
    done = security.get("scans_done", pd.Series(dtype=object)).eq(True)
    flagged = done & security["files_with_issues"].map(_length).gt(0)
    estimate = _design_estimate(security, flagged, done)
    return _measured(name, int(issues.sum()), len(scanned), estimate=estimate)


def _pickle_row(files: pd.DataFrame | None) -> dict:
    name = "pickle_only_weights"
    if files is None:
        return _row(name)
    with_weights = files[files["n_weight_formats"] > 0]
    return _measured(name, int(with_weights["pickle_only"].sum()), len(with_weights))


def _length(value: object) -> int:
    if value is None or isinstance(value, float | str):
        return 0
    try:
        return len(value)
    except TypeError:
        return 0


def _paper_values(paper: dict | None) -> dict[str, str]:
    if paper is None:
        from pipeline.paper import load_paper_numbers

        paper = load_paper_numbers()
    table = paper.get("table_iv") or {}
    out = {}
    orgs = table.get("organization_verification") or {}
    if orgs:
        out["organization_verification"] = (
            f"{orgs.get('verified', '?'):,}/{orgs.get('organizations', '?'):,} "
            f"({orgs.get('percent', '?')}%)"
        )
    gpg = table.get("gpg_commit_signing") or {}
    if gpg:
        out["signed_commits"] = (
            f"{gpg.get('repos_with_signed_commits', '?'):,}/{gpg.get('repos', '?'):,} "
            f"({gpg.get('percent', '?')}%)"
        )
    text = (table.get("ptm_documentation") or {}).get("text")
    if text:
        out["machine_parseable_claims"] = text
    text = (table.get("dependencies") or {}).get("text")
    if text:
        out["dataset_fan_in"] = text
    clamav = table.get("clamav") or {}
    if "flagged" in clamav:
        out["security_scan_findings"] = f"ClamAV flagged {clamav['flagged']} files"
    return out
