"""Measures of the IRO annual report: each module registers its out_ tables."""
