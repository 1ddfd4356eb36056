"""`ptm evaluate`: re-measure claimed metrics by running models on the claimed dataset split.

Models and datasets are fetched through the Hub API (`huggingface_hub`, any `endpoint=`),
weights are loaded from safetensors only unless the user opts in to pickle, remote code is
never trusted, and results go to `measurements_evaluation.csv` in the measurements import
format (`pipeline.claims.measurements`) with source `evaluation-run`.
"""
