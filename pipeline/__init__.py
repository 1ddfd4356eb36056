"""Measurement pipeline for the Hugging Face Hub (reproducing Jiang et al., ICSE 2023)."""

__version__ = "0.1.0"
