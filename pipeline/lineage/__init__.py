"""The reuse graph: how models build on models, from the Hub's declared lineage (issue 12).

- `graph`: `build_graph(models, resolve=None) -> LineageGraph` (nodes, model -> base edges
  with their relation, dataset -> model edges) and the graph algorithms (cycles, depth);
- `analyses`: `lineage_tables(graph) -> {name: DataFrame}`, every result table;
- `licenses`: the licence permissiveness table used along edges;
- `plot`: `draw(tables) -> Figure`; `report`: `section(tables) -> list[str]` (Markdown);
- `command`: `run_lineage(snapshot, results) -> list[Path]`, the whole stage on a snapshot.
"""
