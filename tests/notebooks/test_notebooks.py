"""Every notebook under notebooks/ runs top to bottom on the bundled sample, from an empty
snapshot store, with the venv's own Python as kernel; and is stored without outputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbclient  # dev dependencies (pyproject.toml, `[dev]`): nbclient, nbformat, ipykernel
import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "ptm-test-venv"
TIMEOUT_S = 120  # per cell


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory: pytest.TempPathFactory) -> KernelSpecManager:
    """A kernel spec that runs exactly this interpreter (the venv's python), whatever
    kernels the user has installed under the name `python3`."""
    folder = tmp_path_factory.mktemp("kernels") / KERNEL
    folder.mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "ptm tests",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return KernelSpecManager(kernel_dirs=[str(folder.parent)], ensure_native_kernel=False)


@pytest.fixture(scope="module")
def empty_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch
) -> Path:
    """The notebooks' snapshot store (`PTM_SNAPSHOTS`): empty at first, so the first
    notebook crawls the bundled sample into it and the next ones reuse it."""
    store = tmp_path_factory.mktemp("notebook-store")
    monkeypatch_module.setenv("PTM_SNAPSHOTS", str(store))
    monkeypatch_module.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return store


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_there_are_four_numbered_notebooks() -> None:
    assert [p.name[:3] for p in NOTEBOOKS] == ["01-", "02-", "03-", "04-"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_clean_with_a_purpose(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and "**Purpose:**" in first.source
    assert first.source.startswith(f"# {path.name[:2]} ")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "clear the outputs"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(
    path: Path, empty_store: Path, kernel_specs: KernelSpecManager
) -> None:
    notebook = nbformat.read(path, as_version=4)
    manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=kernel_specs)
    client = nbclient.NotebookClient(
        notebook,
        km=manager,
        timeout=TIMEOUT_S,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "Traceback" not in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    if path.name.startswith(("02-", "03-", "04-")):
        assert images, "the notebook's figure was not displayed"
    if path.name.startswith("03-"):
        # An empty store: the synthetic pair, whose diff matches what was applied.
        assert "(synthetic evolution)" in text and "renamed 6" in text
    if path.name.startswith("04-"):
        # The sample's reuse graph: its real headline counts and its longest chain.
        assert "7,868 models, 1,152 edges" in text and "depth 4: " in text
    assert any(p.is_dir() for p in empty_store.iterdir())  # the sample snapshot, reused
