"""evolution stage: what changed between two snapshots, and how a store's snapshots evolve.

- `pipeline.evolution.factors`: simple per-model attribute factors read from `models`;
- `pipeline.evolution.diff`: `diff_snapshots(a, b) -> DiffResult` (`ptm diff A B`);
- `pipeline.evolution.timeline`: `evolution_table(root)`, `plot_evolution(table)`
  (`ptm evolution`);
Snapshots of the bundled sample for notebooks and demos come from `pipeline.cli.sample`:
they start a replay Hub, which only the CLI wiring may.
"""
