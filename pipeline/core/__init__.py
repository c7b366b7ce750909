"""Core transforms: pure polars functions over core_ tables."""
