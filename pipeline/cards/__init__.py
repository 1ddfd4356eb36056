"""Card-text validity: the labelled evaluation set, detector evaluation, error-corrected
estimates, and the `ptm cards` command.

- `labels`: the bundled labelled set (`data/card-labels/`), annotator passes, agreement;
- `evaluation`: per-attribute confusion counts, precision/recall/F1 with CIs;
- `correction`: Rogan-Gladen estimates of a share corrected for detector error, with a
  bootstrap CI over the labelled set;
- `signals`: card-text signals of JSON Lines cards (`ptm cards signals`), in worker
  processes when asked;
- the `ptm cards` command itself is `pipeline/cli/cards.py`.

The detectors themselves live in `pipeline.analyze.cardtext`.
"""
