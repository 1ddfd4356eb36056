"""`evaluate_claims`: measure the claimed metrics of a budgeted selection of models.

Selection: claims with `parse_status == ok`, a task with a runner (`runners.RUNNERS`; the
claim's `task_type`, else the model's `pipeline_tag`), a metric that runner computes, and a
dataset id; models in the order they first appear, at most `max_models` of them. A claim
without a split is measured on `test` (the note says so).

Budget: `max_examples` per split (a seeded sample; then a 95% interval is reported: Wilson
for a classification accuracy, else a percentile bootstrap over examples), `time_limit` s
per model, counted from its first Hub request (the first split always gets at least one
batch; inference stops after the batch that passes the limit, the row says how many examples
were done; later splits of that model are skipped). Results are cached under
`cache_dir/results/` keyed by (model sha, dataset commit, split, metric) plus model, dataset,
config, file, task and sample size, so a rerun downloads nothing; Hub downloads go to
`cache_dir/hub/`.

Output (in `results`): `measurements_evaluation.csv` (the measurements import format plus
provenance columns, source `evaluation-run`) and `evaluation_skipped.csv` (one row per
claim that was not measured, with the reason).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.atomic import write_json_atomic, write_text_atomic
from pipeline.errors import PipelineError
from pipeline.evaluate import fetch, scores
from pipeline.evaluate.data import read_table, split_file, subsample
from pipeline.evaluate.extras import require, require_all, versions
from pipeline.evaluate.fetch import Skip
from pipeline.evaluate.runners import runner_for
from pipeline.stats import wilson_interval

log = logging.getLogger(__name__)

SOURCE = "evaluation-run"
MEASUREMENTS_FILE = "measurements_evaluation.csv"
SKIPPED_FILE = "evaluation_skipped.csv"
MEASUREMENT_COLUMNS = [
    "model_id", "dataset", "dataset_config", "split", "metric", "value", "scale", "source",
    "source_detail", "measured_at",
]  # fmt: skip
EXTRA_COLUMNS = [
    "task", "claimed_value", "model_sha", "weights", "dataset_revision", "dataset_file",
    "n_examples", "n_split", "sampled", "ci_low", "ci_high", "ci_method", "device",
    "duration_s", "torch_version", "transformers_version", "huggingface_hub_version",
    "safetensors_version", "cached",
]  # fmt: skip
SKIPPED_COLUMNS = ["model_id", "dataset", "dataset_config", "split", "metric", "task", "reason"]
DEFAULT_SPLIT = "test"
CACHE_VERSION = 1


@dataclass
class Budget:
    max_models: int | None = None
    max_examples: int | None = None
    time_limit: float | None = None


@dataclass
class Outcome:
    measurements: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Claim:
    model_id: str
    task: str
    dataset: str
    config: str | None
    split: str
    metric: str
    value: float | None
    note: str


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def select_claims(claims: pd.DataFrame) -> list[Claim]:
    """The claims an evaluation run can measure (see the module docstring), in table order."""
    chosen = []
    for row in claims.to_dict("records"):
        if row.get("parse_status") not in (None, "ok"):
            continue
        task = _text(row.get("task_type")) or _text(row.get("pipeline_tag"))
        runner = runner_for(task)
        metric = _text(row.get("metric"))
        dataset = _text(row.get("dataset_type")) or _text(row.get("dataset_name"))
        model_id = _text(row.get("model_id"))
        if runner is None or metric not in runner.metrics or not dataset or not model_id:
            continue
        split = _text(row.get("dataset_split"))
        value = row.get("value")
        chosen.append(
            Claim(
                model_id=model_id,
                task=runner.task,
                dataset=dataset,
                config=_text(row.get("dataset_config")),
                split=split or DEFAULT_SPLIT,
                metric=metric,
                value=float(value) if isinstance(value, int | float) else None,
                note="" if split else f"no split claimed; measured on {DEFAULT_SPLIT}",
            )
        )
    return chosen


def _skip_row(claim: Claim, reason: str) -> dict[str, Any]:
    return {
        "model_id": claim.model_id,
        "dataset": claim.dataset,
        "dataset_config": claim.config,
        "split": claim.split,
        "metric": claim.metric,
        "task": claim.task,
        "reason": reason,
    }


def cache_key(**parts: Any) -> str:
    """The cache file stem of one measurement: a sha256 over the sorted key parts."""
    text = json.dumps({"v": CACHE_VERSION, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def _read_cache(path: Path) -> dict[str, Any] | None:
    try:
        row = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return row if isinstance(row, dict) else None


def resolve_device(device: str | None) -> str:
    """`cpu`, `cuda` (checked), or the best available when None."""
    torch = require("torch")
    if device in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise PipelineError("--device cuda: torch sees no CUDA device")
    if device not in ("cpu", "cuda"):
        raise PipelineError(f"--device {device!r}: must be cpu or cuda")
    return device


def evaluate_claims(
    claims: pd.DataFrame,
    results: Path,
    cache_dir: Path,
    budget: Budget | None = None,
    allow_pickle: bool = False,
    device: str | None = None,
    endpoint: str | None = None,
) -> Outcome:
    """Measure the selected claims and write the two CSVs; the outcome lists rows and paths."""
    require_all()
    budget = budget or Budget()
    device = resolve_device(device)
    if allow_pickle:
        warnings.warn(
            "--allow-pickle: PyTorch pickle weights can run arbitrary code when loaded; "
            "only use it for models you trust",
            stacklevel=2,
        )
        log.warning("loading pickle weights is allowed (--allow-pickle): unsafe for untrusted")
    library = versions()
    cache_dir = Path(cache_dir)
    outcome = Outcome()
    by_model: dict[str, list[Claim]] = {}
    for claim in select_claims(claims):
        by_model.setdefault(claim.model_id, []).append(claim)
    models = list(by_model)
    if budget.max_models is not None:
        models = models[: budget.max_models]
    for model_id in models:
        _evaluate_model(
            by_model[model_id], cache_dir, budget, allow_pickle, device, endpoint, library,
            outcome,
        )  # fmt: skip
    outcome.paths = _write(outcome, Path(results))
    return outcome


def _evaluate_model(
    claims: list[Claim],
    cache_dir: Path,
    budget: Budget,
    allow_pickle: bool,
    device: str,
    endpoint: str | None,
    library: dict[str, str],
    outcome: Outcome,
) -> None:
    model_id = claims[0].model_id
    started = time.monotonic()
    deadline = started + budget.time_limit if budget.time_limit else math.inf
    try:
        ref = fetch.model_ref(model_id, allow_pickle, endpoint)
    except Skip as skip:
        outcome.skipped += [_skip_row(c, str(skip)) for c in claims]
        return
    groups: dict[tuple[str, str | None, str], list[Claim]] = {}
    for claim in claims:
        groups.setdefault((claim.dataset, claim.config, claim.split), []).append(claim)
    model_dir: Path | None = None
    for (dataset, config, split), group in groups.items():
        try:
            data = fetch.dataset_ref(dataset, endpoint)
            path = split_file(list(data.files), split, config)
            if path is None:
                raise Skip(f"dataset {dataset} has no Parquet/CSV/JSONL file for split {split!r}")
            keys = {}
            for claim in group:
                key = cache_key(
                    model=model_id, model_sha=ref.sha, dataset=dataset, config=config,
                    dataset_revision=data.sha, file=path, split=split, metric=claim.metric,
                    task=claim.task, max_examples=budget.max_examples, weights=ref.weights,
                )  # fmt: skip
                keys[claim] = cache_dir / "results" / f"{key}.json"
            cached = {c: _read_cache(p) for c, p in keys.items()}
            if all(cached.values()):
                for claim in group:
                    outcome.measurements.append(
                        {**cached[claim], "claimed_value": claim.value, "cached": True}
                    )
                continue
            if model_dir is not None and time.monotonic() > deadline:
                raise Skip(f"time limit of {budget.time_limit} s reached before this split")
            if model_dir is None:
                model_dir = fetch.download_model(ref, cache_dir / "hub", endpoint)
            local = fetch.download_dataset_file(data, path, cache_dir / "hub", endpoint)
            rows = _measure(group, model_dir, local, device, allow_pickle, deadline, budget)
        except Skip as skip:
            outcome.skipped += [_skip_row(c, str(skip)) for c in group]
            continue
        except (OSError, ValueError, RuntimeError, KeyError, TypeError) as error:
            reason = f"evaluation failed: {type(error).__name__}: {error}"
            log.warning("%s on %s/%s: %s", model_id, dataset, split, reason)
            outcome.skipped += [_skip_row(c, reason) for c in group]
            continue
        for claim, row in zip(group, rows, strict=True):
            row.update(
                model_sha=ref.sha, weights=ref.weights, dataset_revision=data.sha,
                dataset_file=path, device=device,
                **{f"{name}_version": version for name, version in library.items()},
            )  # fmt: skip
            row["source_detail"] = (
                f"{claim.task} on {dataset}/{path}@{data.sha[:12]}, model@{ref.sha[:12]}, "
                f"{row['n_examples']}/{row['n_split']} examples{row.pop('_note')}"
            )
            write_json_atomic(keys[claim], row)
            outcome.measurements.append({**row, "claimed_value": claim.value, "cached": False})


def _measure(
    group: list[Claim],
    model_dir: Path,
    local: Path,
    device: str,
    allow_pickle: bool,
    deadline: float,
    budget: Budget,
) -> list[dict[str, Any]]:
    claim = group[0]
    started = time.monotonic()
    table = read_table(str(local))
    n_split = len(table)
    indices = subsample(n_split, budget.max_examples)
    runner = runner_for(claim.task)
    scored = runner.run(
        model_dir, table.iloc[indices].reset_index(drop=True), device, allow_pickle, deadline
    )
    duration = time.monotonic() - started
    sampled = scored.n_done < n_split
    notes = [n for n in (claim.note, scored.note) if n]
    if scored.n_done < len(indices):
        notes.append(f"time limit: {scored.n_done} of {len(indices)} selected examples done")
    totals = scored.rows.sum(axis=0)
    rows = []
    for item in group:
        value = float(scored.metric_of_totals(item.metric, totals))
        low = high = None
        method = ""
        if sampled and scored.n_done:
            if item.metric == "accuracy" and scored.binomial_accuracy:
                low, high = wilson_interval(value * scored.n_done, scored.n_done)
                method = "wilson95"
            else:
                low, high = scores.bootstrap_interval(
                    scored.rows, lambda t, m=item.metric: scored.metric_of_totals(m, t)
                )
                method = f"bootstrap95-{scores.BOOTSTRAP_RESAMPLES}"
        rows.append(
            {
                "model_id": item.model_id,
                "dataset": item.dataset,
                "dataset_config": item.config,
                "split": item.split,
                "metric": item.metric,
                "value": value,
                "scale": "fraction",
                "source": SOURCE,
                "measured_at": dt.datetime.now(dt.UTC).date().isoformat(),
                "task": item.task,
                "n_examples": scored.n_done,
                "n_split": n_split,
                "sampled": sampled,
                "ci_low": low,
                "ci_high": high,
                "ci_method": method,
                "duration_s": round(duration, 3),
                "_note": "".join(f"; {n}" for n in notes),
            }
        )
    return rows


def _write(outcome: Outcome, results: Path) -> list[Path]:
    measured = pd.DataFrame(outcome.measurements, columns=MEASUREMENT_COLUMNS + EXTRA_COLUMNS)
    skipped = pd.DataFrame(outcome.skipped, columns=SKIPPED_COLUMNS)
    paths = [results / MEASUREMENTS_FILE, results / SKIPPED_FILE]
    try:
        write_text_atomic(paths[0], measured.to_csv(index=False))
        write_text_atomic(paths[1], skipped.to_csv(index=False))
    except OSError as error:
        raise PipelineError(f"cannot write evaluation results to {results}: {error}") from error
    return paths
