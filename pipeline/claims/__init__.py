"""Claimed vs measured performance (issue 5).

Claims are metric values a model's card reports (`extract`: the card's `model-index`, the
newer `evalResults`, Markdown tables in the card body); measurements are values someone
else measured for the same model (`measurements`: Hub-verified evaluations, the Open LLM
Leaderboard, the ICWSM audit). `join` pairs them, `stats` summarises the discrepancies,
`plot` draws them, `report` writes the report section and `command` wires the CLI.
"""
