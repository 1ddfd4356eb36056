"""Claims: every metric value a model's card reports, one row each. Pure; never raises.

Sources, in the order they are read for each model:

- `model-index`: the card's `model-index` (from `card_data`, the Hub's `cardData`) when
  present, else the Hub's top-level `model-index` (docs/hub-api.md §9). Every element of
  every `results[].metrics` list becomes exactly one row, so the claims table can be
  reconciled with the raw records: values that are not numbers are kept as `unparsed`
  with a reason, metric entries that are not mappings or have no `value` too.
- `eval_results`: entries of the newer `.eval_results/*.yaml` format (API `evalResults`),
  from an `eval_results` column or the `evalResults` key of `extra_json`. The format has
  no metric id: the benchmark's own score, recorded as metric `score` (raw scale).
- `card-table`: Markdown tables in the card body (`cardtables.py`), from a `card_body`
  column when the models frame has one. Low confidence.

Malformed input is counted, never raised: `claims_with_diagnostics` returns the counts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import pandas as pd

from pipeline.analyze.claims import is_invalid, load_json, model_index_of
from pipeline.claims.cardtables import card_table_claims
from pipeline.claims.metrics import (
    UNPARSED,
    canonical_metric,
    parse_value,
    unit_scale,
    value_text,
)
from pipeline.claims.schema import CLAIMS, CLAIMS_COUNTS, CLAIMS_DIAGNOSTICS, frame

# Who wrote a result (docs: design.md "Claimed vs actual"). Checked on the July 2024 sample:
# - 99 model-index results carry a leaderboard source, all written by a leaderboard's PR
#   bot: "Open LLM Leaderboard" (84, e.g. 152334H/miqu-1-70b-sf, url .../spaces/
#   HuggingFaceH4/open_llm_leaderboard?query=...), "Open LLM Leaderboard Results" (6, e.g.
#   QuantFactory/notus-7b-v1-GGUF, url .../datasets/open-llm-leaderboard/results/...) and
#   "Open Portuguese LLM Leaderboard" (9, QuantFactory/CabraMistral-v3-7b-32k-GGUF, url
#   .../spaces/eduagarcia/open_pt_llm_leaderboard?query=...).
# - A `verifyToken` is the signature of the Hub's own evaluation service (the AutoEvaluate
#   "Evaluation on the Hub" PRs); none of the sample's 1,682 metrics has one.
# - Results citing AutoEvaluate/AutoTrain evaluation as their source.
# Authors citing an external benchmark page (alpaca_eval, mt-bench: 2 results of
# QuantFactory/notus-7b-v1-GGUF) wrote the result themselves: not bot-written.
_LEADERBOARD = re.compile(r"leaderboard", re.IGNORECASE)
_EVALUATION_SERVICE = re.compile(r"autoevaluate|autotrain|evaluation[-_ ]on[-_ ]the[-_ ]hub", re.I)
RULE_TOKEN = "verifyToken: evaluated and signed by the Hub's evaluation service"
RULE_LEADERBOARD = "source is a leaderboard (results posted by its bot)"
RULE_SERVICE = "source is AutoEvaluate/AutoTrain evaluation"

CONFIDENCE = {"model-index": "high", "eval_results": "high", "card-table": "low"}


def bot_rule(source_name: object, source_url: object, verify_token: bool) -> str | None:
    """Which rule marks a result as written by a bot rather than the author (None: author)."""
    if verify_token:
        return RULE_TOKEN
    text = " ".join(t for t in (source_name, source_url) if isinstance(t, str))
    if _LEADERBOARD.search(text):
        return RULE_LEADERBOARD
    if _EVALUATION_SERVICE.search(text):
        return RULE_SERVICE
    return None


def claims_from_model(
    model_id: str,
    card_data_json: object,
    model_index_json: object,
    eval_results: object = None,
    card_body: object = None,
    *,
    pipeline_tag: str | None = None,
    diagnostics: Counter | None = None,
) -> list[dict]:
    """Claim rows (the `CLAIMS` columns) of one model; counts go to `diagnostics`.

    `card_data_json`/`model_index_json` are JSON text (or already parsed objects);
    `eval_results` is the `evalResults` list (or its JSON text); `card_body` the README
    body. Never raises."""
    counts = Counter() if diagnostics is None else diagnostics
    counts["models"] += 1
    rows = _model_index_claims(model_id, card_data_json, model_index_json, counts)
    rows += _eval_results_claims(model_id, eval_results, counts)
    if isinstance(card_body, str):
        counts["card_bodies"] += 1
        table_rows = card_table_claims(model_id, card_body)
        counts["card_tables_with_claims"] += len(
            {r["location"].split(" row")[0] for r in table_rows}
        )
        rows += table_rows
    for row in rows:
        row.setdefault("pipeline_tag", pipeline_tag)
        row["pipeline_tag"] = row["pipeline_tag"] or pipeline_tag
        counts[f"claims_{row['source']}"] += 1
        counts[f"values_{row['parse_status']}"] += 1
        counts["values_scale_unknown"] += row.get("unit_scale") == "unknown"
        counts["bot_written"] += bool(row.get("bot_written"))
        counts["verified"] += row.get("verified") is True
    return rows


def _model_index_claims(
    model_id: str, card_data_json: object, model_index_json: object, counts: Counter
) -> list[dict]:
    card = load_json(card_data_json)
    if is_invalid(card):
        counts["card_data_invalid_json"] += 1
    from_card = isinstance(card, dict) and card.get("model-index") is not None
    if not from_card and is_invalid(load_json(model_index_json)):
        counts["model_index_invalid_json"] += 1
    model_index = model_index_of(card_data_json, model_index_json)
    if model_index is None:
        counts["model_index_absent"] += 1
        return []
    counts["model_index_from_card" if from_card else "model_index_from_top_level"] += 1
    if not isinstance(model_index, list):
        if isinstance(model_index, dict) and "error" in model_index:
            counts["model_index_schema_error"] += 1  # the Hub's schema-validation message
        else:
            counts["model_index_not_a_list"] += 1
        return []
    rows = []
    for i, entry in enumerate(model_index):
        counts["entries"] += 1
        if not isinstance(entry, dict):
            counts["entry_not_a_mapping"] += 1
            continue
        name = _text(entry.get("name"))
        results = entry.get("results")
        if not isinstance(results, list):
            counts["results_missing_or_not_a_list"] += 1
            continue
        for j, result in enumerate(results):
            counts["results"] += 1
            if not isinstance(result, dict):
                counts["result_not_a_mapping"] += 1
                continue
            metrics = result.get("metrics")
            if not isinstance(metrics, list):
                counts["metrics_missing_or_not_a_list"] += 1
                continue
            context = _result_context(result, counts)
            for k, metric in enumerate(metrics):
                location = f"model-index[{i}].results[{j}].metrics[{k}]"
                rows.append(_metric_row(model_id, location, name, context, metric, counts))
    return rows


def _result_context(result: dict, counts: Counter) -> dict:
    """The task, dataset and source fields of one model-index result."""
    task, dataset, source = (
        _mapping(result.get(k), k, counts) for k in ("task", "dataset", "source")
    )
    args = dataset.get("args")
    return {
        "task_type": _text(task.get("type")),
        "task_name": _text(task.get("name")),
        "dataset_type": _text(dataset.get("type")),
        "dataset_name": _text(dataset.get("name")),
        "dataset_config": _text(dataset.get("config")),
        "dataset_split": _text(dataset.get("split")),
        "dataset_args": value_text(args) if args is not None else None,
        "source_name": _text(source.get("name")),
        "source_url": _text(source.get("url")),
    }


def _metric_row(
    model_id: str, location: str, name: str | None, context: dict, metric: object, counts: Counter
) -> dict:
    row = {"model_id": model_id, "source": "model-index", "location": location, "entry_name": name}
    row.update(context)
    if not isinstance(metric, dict):
        counts["metric_not_a_mapping"] += 1
        reason = f"metric entry is a {type(metric).__name__}, not a mapping"
        return _unparsed(row, metric, reason)
    metric_type, metric_name = _text(metric.get("type")), _text(metric.get("name"))
    canonical, note = canonical_metric(metric.get("type"), metric.get("name"), metric.get("args"))
    token = isinstance(metric.get("verifyToken"), str) and bool(metric["verifyToken"].strip())
    verified = metric.get("verified") if isinstance(metric.get("verified"), bool) else None
    rule = bot_rule(row["source_name"], row["source_url"], token)
    row.update(
        metric_type=metric_type,
        metric_name=metric_name,
        metric=canonical,
        verified=verified,
        verify_token=token,
        bot_written=rule is not None,
        bot_rule=rule,
    )
    if "value" not in metric:
        counts["metric_without_value"] += 1
        return _unparsed(row, None, "metric has no value key")
    _set_value(row, metric["value"], canonical, "model-index", note)
    return row


def _set_value(
    row: dict,
    raw: object,
    metric: str,
    source: str,
    note: str | None,
    *,
    scale_reason: bool = True,
) -> None:
    """Fill `row`'s value columns from a reported value (parsed, scale detected)."""
    parsed = parse_value(raw)
    scale, why_scale = unit_scale(metric, parsed.value, parsed.percent_sign)
    row.update(
        value=parsed.value,
        value_text=parsed.text,
        unit_scale=scale,
        uncertainty=parsed.uncertainty,
        parse_status=parsed.status,
        parse_reason=parsed.reason or (why_scale if scale_reason else None) or note,
        confidence=CONFIDENCE[source],
    )


def _unparsed(row: dict, raw: object, reason: str) -> dict:
    row.update(
        value=None,
        value_text=value_text(raw),
        parse_status=UNPARSED,
        parse_reason=reason,
        confidence=CONFIDENCE.get(row["source"], "high"),
    )
    return row


def _eval_results_claims(model_id: str, eval_results: object, counts: Counter) -> list[dict]:
    entries = load_json(eval_results)
    if entries is None:
        return []
    if is_invalid(entries):
        counts["eval_results_invalid_json"] += 1
        return []
    if not isinstance(entries, list):
        counts["eval_results_not_a_list"] += 1
        return []
    rows = []
    for i, item in enumerate(entries):
        counts["eval_results_entries"] += 1
        row = {"model_id": model_id, "source": "eval_results", "location": f"evalResults[{i}]"}
        if not isinstance(item, dict):
            rows.append(_unparsed(row, item, f"entry is a {type(item).__name__}, not a mapping"))
            continue
        if "error" in item:
            counts["eval_results_errors"] += 1
            row["entry_name"] = _text(item.get("filename"))
            rows.append(_unparsed(row, None, f"file failed Hub validation: {item['error']}"[:200]))
            continue
        data = item["data"] if isinstance(item.get("data"), dict) else item
        dataset = _mapping(data.get("dataset"), "dataset", counts)
        source = _mapping(data.get("source"), "source", counts)
        token = isinstance(data.get("verifyToken"), str) and bool(data["verifyToken"].strip())
        verified = item.get("verified", data.get("verified"))
        row.update(
            entry_name=_text(item.get("filename")),
            dataset_type=_text(dataset.get("id")),
            dataset_config=_text(dataset.get("task_id")),
            dataset_args=_text(data.get("notes")),
            metric_type=None,
            metric="score",
            verified=verified if isinstance(verified, bool) else None,
            verify_token=token,
            source_name=_text(source.get("name")) or _text(source.get("org")),
            source_url=_text(source.get("url")),
        )
        rule = bot_rule(row["source_name"], row["source_url"], token)
        row.update(bot_written=rule is not None, bot_rule=rule)
        if "value" not in data:
            rows.append(_unparsed(row, None, "entry has no value key"))
            continue
        _set_value(row, data["value"], "score", "eval_results", None, scale_reason=False)
        rows.append(row)
    return rows


def _mapping(value: object, key: str, counts: Counter) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        counts[f"{key}_not_a_mapping"] += 1
        return {}
    return value


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return repr(value)
    return value_text(value)


def _eval_results_of(row: dict) -> object:
    if row.get("eval_results") is not None:
        return row["eval_results"]
    extra = load_json(row.get("extra_json"))
    return extra.get("evalResults") if isinstance(extra, dict) else None


def claims_with_diagnostics(models: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The claims table of a `models` frame (columns `id`, `card_data`, `model_index`;
    optional `pipeline_tag`, `eval_results`, `extra_json`, `card_body`) and the counts of
    what was read and what was malformed. Raises `ValueError` naming missing columns."""
    missing = [c for c in ("id", "card_data", "model_index") if c not in models.columns]
    if missing:
        raise ValueError(f"models table has no column(s) {missing}")
    counts: Counter = Counter()
    rows: list[dict] = []
    optional = [
        c for c in ("pipeline_tag", "eval_results", "extra_json", "card_body") if c in models
    ]
    for record in _records(models, ["id", "card_data", "model_index", *optional]):
        try:
            found = claims_from_model(
                record["id"],
                record["card_data"],
                record["model_index"],
                _eval_results_of(record),
                record.get("card_body"),
                pipeline_tag=_text(record.get("pipeline_tag")),
                diagnostics=counts,
            )
        except Exception as error:  # one model's data never stops the table
            counts["models_failed"] += 1
            found = [failed_model_row(record["id"], error)]
        rows.extend(found)
    for row in rows:
        row.setdefault("confidence", CONFIDENCE.get(row["source"], "high"))
    return frame(rows, CLAIMS), dict(sorted(counts.items()))


FAILED = "failed"


def failed_model_row(model_id: str, error: BaseException) -> dict:
    """The one claims row of a model whose claims could not be extracted at all: source
    `extraction`, parse_status `failed`, the exception in `parse_reason`."""
    reason = " ".join(f"{type(error).__name__}: {error}".split())[:300]
    return {
        "model_id": model_id,
        "source": "extraction",
        "parse_status": FAILED,
        "parse_reason": reason,
    }


def claims_table(models: pd.DataFrame) -> pd.DataFrame:
    """One row per reported metric value of every model (the `CLAIMS` columns)."""
    return claims_with_diagnostics(models)[0]


def _records(models: pd.DataFrame, columns: list[str]) -> Iterable[dict]:
    values = [models[c].tolist() for c in columns]
    for row in zip(*values, strict=True):
        yield {c: (None if _missing(v) else v) for c, v in zip(columns, row, strict=True)}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA


def counts_by_source(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims per `source` and `parse_status`, with bot-written and verified counts
    (`CLAIMS_COUNTS` columns, also when there are no claims)."""
    if claims.empty:
        return pd.DataFrame(columns=CLAIMS_COUNTS.names)
    grouped = claims.groupby(["source", "parse_status"], sort=True)
    table = grouped.agg(
        claims=("model_id", "size"),
        models=("model_id", "nunique"),
        bot_written=("bot_written", lambda s: int((s == True).sum())),  # noqa: E712
        verified=("verified", lambda s: int((s == True).sum())),  # noqa: E712
    )
    return table.reset_index()[CLAIMS_COUNTS.names]


def diagnostics_table(counts: dict[str, int]) -> pd.DataFrame:
    """The diagnostics counts as a two-column table (`CLAIMS_DIAGNOSTICS`: `measure`, `count`)."""
    measure, count = CLAIMS_DIAGNOSTICS.names
    return pd.DataFrame({measure: list(counts), count: [int(v) for v in counts.values()]})
