"""weight_format: the file-name rule the crawler imports (real sample names + edge cases)."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from pipeline.snapshot.formats import (
    FORMATS,
    PICKLE_BASED,
    formats_of,
    is_pickle_only,
    weight_format,
)

CASES = [
    # real file names from the bundled sample's siblings
    ("model.safetensors", "safetensors"),
    ("model-00001-of-00011.safetensors", "safetensors"),
    ("pytorch_model.bin", "pytorch-pickle"),
    ("adapter_model.bin", "pytorch-pickle"),
    ("unet/diffusion_pytorch_model.bin", "pytorch-pickle"),
    ("policy.pth", "pytorch-pickle"),
    ("model.pt", "pytorch-pickle"),
    ("tf_model.h5", "tf-h5"),
    ("flax_model.msgpack", "flax-msgpack"),
    ("onnx/model.onnx", "onnx"),
    ("qwen2-0_5b-instruct-q4_0.gguf", "gguf"),
    ("model.tflite", "tflite"),
    ("q-learning.pkl", "pickle"),
    ("vec_normalize.pkl", "pickle"),
    ("v1-5-pruned.ckpt", "ckpt"),
    # training state is pickled but not weights (real names, counted in the sample)
    ("training_args.bin", None),
    ("optimizer.pt", None),
    ("checkpoint-500/optimizer.bin", None),
    ("scheduler.pt", None),
    ("scaler.pt", None),
    ("rng_state.pth", None),
    ("rng_state_3.pth", None),
    ("random_states_0.pkl", None),
    ("policy.optimizer.pth", None),
    ("ent_coef_optimizer.pth", None),
    # not weights
    ("config.json", None),
    ("README.md", None),
    (".gitattributes", None),
    ("tokenizer.model", None),
    ("ppo-LunarLander-v2.zip", None),
    # synthetic names for formats absent from the sample (made up here)
    ("model.keras", "keras"),
    ("ggml-model-q4_0.bin", "ggml"),
    ("vicuna-13B-1.1-GPTQ-4bit-128g.GGML.bin", "ggml"),  # real, in the sample
    ("chatglm2-6b-32k-ggml-q5_1.bin", "ggml"),  # real, in the sample
    ("model.ggml", "ggml"),
    ("openvino/openvino_model.xml", "openvino"),
    ("openvino/openvino_model.bin", "openvino"),
    ("Model.mlpackage/Data/com.apple.CoreML/weights/weight.bin", "coreml"),
    ("Model.mlpackage/Manifest.json", None),
    ("model.mlmodel", "coreml"),
    ("model.joblib", "joblib"),
    ("weights.npz", "npz"),
    ("mlx/weights.npz", "mlx"),
    ("model.onnx_data", "onnx"),
    ("MODEL.SAFETENSORS", "safetensors"),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("path", "expected"), CASES)
def test_weight_format(path: str, expected: str | None) -> None:
    assert weight_format(path) == expected


def test_values_are_the_schema_list() -> None:
    assert {fmt for _, fmt in CASES if fmt} <= set(FORMATS)
    assert {"pytorch-pickle", "pickle", "joblib", "ckpt"} == PICKLE_BASED


def test_pickle_only() -> None:
    assert is_pickle_only({"pytorch-pickle"})
    assert is_pickle_only({"pickle", "ckpt"})
    assert not is_pickle_only({"pytorch-pickle", "safetensors"})
    assert not is_pickle_only(set())
    assert formats_of(["model.safetensors", "training_args.bin", "config.json"]) == {"safetensors"}


def test_sample_weight_files_by_suffix(sample_records: list[dict]) -> None:
    """Counted independently: weight files by plain suffix minus the training-state names."""
    state = {
        "training_args.bin",
        "optimizer.bin",
        "scheduler.bin",
        "optimizer.pt",
        "scheduler.pt",
        "scaler.pt",
    }
    expected, got = Counter(), Counter()
    for record in sample_records:
        for sibling in record.get("siblings") or []:
            path = sibling["rfilename"]
            name = os.path.basename(path).lower()
            if name.endswith(".safetensors"):
                expected["safetensors"] += 1
            elif name.endswith(".gguf"):
                expected["gguf"] += 1
            elif (
                name.endswith(".bin")
                and name not in state
                and "ggml" not in name
                and ".mlpackage/" not in path
            ):
                expected["bin"] += 1
            fmt = weight_format(path)
            if fmt in {"safetensors", "gguf"}:
                got[fmt] += 1
            elif fmt == "pytorch-pickle" and path.lower().endswith(".bin"):
                got["bin"] += 1
    assert got == expected
    assert expected["safetensors"] == 10787 and expected["gguf"] == 6000
