"""hub/replay stage."""
