"""Weight-file formats, detected from file names only (nothing downloaded is ever opened).

`weight_format(path)` is the single rule: the crawler stores its answer in `files.format`
(and `files.is_weight = format is not None`), and the analyses use it on file lists that
come without a format. The values are the ones listed in `pipeline/snapshot/schema.py`:

| format | files |
|---|---|
| safetensors | `*.safetensors` (outside `mlx/` folders) |
| pytorch-pickle | `*.bin`, `*.pt`, `*.pth` (but see the non-weight names below) |
| tf-h5 | `*.h5`, `*.hdf5` |
| keras | `*.keras` |
| flax-msgpack | `*.msgpack` |
| onnx | `*.onnx`, and ONNX external data (`*.onnx_data`, `*.onnx.data`) |
| gguf | `*.gguf` |
| ggml | `*.ggml`, and `*.bin` files named `*ggml*` (llama.cpp's older files) |
| tflite | `*.tflite` |
| coreml | `*.mlmodel`, and the weight files inside a `*.mlpackage`/`*.mlmodelc` folder |
| openvino | `*.xml` / `*.bin` whose path mentions `openvino` |
| pickle | `*.pkl`, `*.pickle` |
| joblib | `*.joblib` |
| ckpt | `*.ckpt` |
| npz | `*.npz` |
| mlx | `*.safetensors` / `*.npz` in an `mlx/` folder or named `*mlx*` |

Files that hold training state rather than model weights (`training_args.bin`,
`optimizer.pt`, `scheduler.pt`, `scaler.pt`, `rng_state*.pth`, `random_states_*.pkl`, ...)
are pickles too, but they are not weights: `weight_format` gives None for them, so a model
with `model.safetensors` and `training_args.bin` is not "pickle-only".

`PICKLE_BASED` formats can execute code when loaded (`pickle`, `torch.load`), which is why
Table IV reports the share of models whose only weights are in such formats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

# Suffix -> format. Checked against the lower-cased file name.
SUFFIX_FORMATS: dict[str, str] = {
    ".safetensors": "safetensors",
    ".bin": "pytorch-pickle",
    ".pt": "pytorch-pickle",
    ".pth": "pytorch-pickle",
    ".h5": "tf-h5",
    ".hdf5": "tf-h5",
    ".keras": "keras",
    ".msgpack": "flax-msgpack",
    ".onnx": "onnx",
    ".onnx_data": "onnx",
    ".gguf": "gguf",
    ".ggml": "ggml",
    ".tflite": "tflite",
    ".mlmodel": "coreml",
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".joblib": "joblib",
    ".ckpt": "ckpt",
    ".npz": "npz",
}
FORMATS: tuple[str, ...] = (
    "safetensors",
    "pytorch-pickle",
    "tf-h5",
    "keras",
    "flax-msgpack",
    "onnx",
    "gguf",
    "ggml",
    "tflite",
    "coreml",
    "openvino",
    "pickle",
    "joblib",
    "ckpt",
    "npz",
    "mlx",
)
PICKLE_BASED = frozenset({"pytorch-pickle", "pickle", "joblib", "ckpt"})
# Formats that are quantised or compiled for constrained hardware (coverage: quantized variants).
QUANTIZED_FORMATS = frozenset({"gguf", "ggml", "onnx", "tflite", "coreml", "openvino"})

# Pickled training state (optimizer, scheduler, RNG, trainer arguments): not model weights.
_TRAINING_STATE = re.compile(
    r"^(training_args|optimizer|scheduler|scaler|rng_state(_\d+)?|random_states_\d+"
    r"|.*\.optimizer|.*_optimizer)\.(bin|pt|pth|pkl)$"
)
_COREML_DIRS = (".mlpackage", ".mlmodelc")
_COREML_WEIGHTS = (".bin", ".mlmodel", ".mil")


def weight_format(path: str) -> str | None:
    """The weight format a repository file holds, or None for files that hold no weights.

    >>> weight_format("pytorch_model.bin"), weight_format("training_args.bin")
    ('pytorch-pickle', None)
    >>> weight_format("Model.mlpackage/Data/com.apple.CoreML/weights/weight.bin")
    'coreml'
    """
    if not isinstance(path, str) or not path:
        return None
    lowered = path.lower()
    pure = PurePosixPath(lowered)
    name = pure.name
    folders = pure.parts[:-1]
    if any(part.endswith(_COREML_DIRS) for part in folders):
        return "coreml" if name.endswith(_COREML_WEIGHTS) else None
    if _TRAINING_STATE.match(name):
        return None
    if "openvino" in lowered and name.endswith((".xml", ".bin")):
        return "openvino"
    if name.endswith(".bin") and "ggml" in name:  # real: ggml-model-q4_0.bin, x.GGML.bin
        return "ggml"
    if name.endswith(".onnx.data"):
        return "onnx"
    if name.endswith((".safetensors", ".npz")) and ("mlx" in folders or "mlx" in name):
        return "mlx"
    return SUFFIX_FORMATS.get(pure.suffix)


def formats_of(paths: Iterable[str]) -> frozenset[str]:
    """The set of weight formats among `paths` (file names of one repository)."""
    found = (weight_format(path) for path in paths)
    return frozenset(fmt for fmt in found if fmt is not None)


def is_pickle_only(formats: Iterable[str]) -> bool:
    """True when there is at least one weight format and every one is pickle-based."""
    formats = set(formats)
    return bool(formats) and formats <= PICKLE_BASED
