"""Disclosure control: primary, secondary and derived suppression, worked by hand."""

import polars as pl

from pipeline.disclosure import DisclosureSpec, display_value, protect

SPEC = DisclosureSpec(counts=("n",), within=("month",), derived={"pct": ("n", "total")})


def table(rows):
    df = pl.DataFrame(rows, schema=["month", "cat", "n", "total"], orient="row")
    return df.with_columns(pct=pl.col("n") / pl.col("total") * 100)


def test_small_count_and_its_secondary_are_suppressed_zero_is_not():
    # month 1: a=3 (primary), b=10 is the next smallest non-zero -> secondary; d=0 published
    df = table([(1, "a", 3, 33), (1, "b", 10, 33), (1, "c", 20, 33), (1, "d", 0, 33)])
    out = protect(df, SPEC, threshold=5)
    assert out["n"].to_list() == [None, None, 20, 0]
    assert out["is_n_suppressed"].to_list() == [True, True, False, False]
    assert out["is_pct_suppressed"].to_list() == [True, True, False, False]
    assert out["pct"][3] == 0.0


def test_two_primary_cells_need_no_secondary():
    df = table([(1, "a", 2, 34), (1, "b", 4, 34), (1, "c", 28, 34)])
    out = protect(df, SPEC, threshold=5)
    assert out["n"].to_list() == [None, None, 28]


def test_groups_are_independent():
    df = table([(1, "a", 1, 21), (1, "b", 20, 21), (2, "a", 7, 27), (2, "b", 20, 27)])
    out = protect(df, SPEC, threshold=5)
    assert out["n"].to_list() == [None, None, 7, 20]


def test_threshold_boundary_and_no_secondary_spec():
    df = pl.DataFrame({"n": [5, 6, 0, None]})
    out = protect(df, DisclosureSpec(counts=("n",)), threshold=5)
    assert out["n"].to_list() == [None, 6, 0, None]
    assert out["is_n_suppressed"].to_list() == [True, False, False, False]


def test_percentage_with_small_denominator_is_suppressed_even_if_numerator_is_zero():
    df = pl.DataFrame({"n": [0], "total": [4]}).with_columns(pct=pl.lit(0.0))
    out = protect(df, DisclosureSpec(counts=("n",), derived={"pct": ("n", "total")}), 5)
    assert out["is_pct_suppressed"][0] and out["pct"][0] is None


def test_threshold_zero_publishes_everything():
    df = table([(1, "a", 1, 1)])
    out = protect(df, SPEC, threshold=0)
    assert out["n"][0] == 1 and not out["is_n_suppressed"][0]


def test_display_value():
    assert display_value(None, True) == "c"
    assert display_value(None, False) == "–"
    assert display_value(1280, False) == "1,280"
    assert display_value(93.671, False, 1) == "93.7"


def test_cross_table_secondary_suppression_in_rows_and_columns():
    # 2x3 cross-table with row and column totals published.
    #        x    y    z
    # r1     3   10   12      r1 has one primary (3) -> secondary on y=10
    # r2    20   30   40      column y now has one suppressed cell -> r2,y (30) too;
    #                         column x has one suppressed cell -> r2,x (20) too.
    df = pl.DataFrame(
        {"r": ["r1"] * 3 + ["r2"] * 3, "c": list("xyz") * 2, "n": [3, 10, 12, 20, 30, 40]}
    )
    spec = DisclosureSpec(counts=("n",), within=("r",), also_within=(("c",),))
    out = protect(df, spec, threshold=5)
    assert out["is_n_suppressed"].to_list() == [True, True, False, True, True, False]


def test_protect_adds_only_the_suppression_flags():
    """The published table has the input's columns, in order, then one flag per count and
    derived column: none of the secondary pass's working columns (row number, hidden cells
    per group, rank, the one-group key) reach a pub_ table."""
    df = table([(1, "a", 3, 33), (1, "b", 10, 33), (1, "c", 20, 33)])
    grouped = protect(df, SPEC, threshold=5)
    whole = protect(df, DisclosureSpec(counts=("n",), within=()), threshold=5)  # one group
    assert grouped.columns == [*df.columns, "is_n_suppressed", "is_pct_suppressed"]
    assert whole.columns == [*df.columns, "is_n_suppressed"]
    assert whole["is_n_suppressed"].to_list() == [True, True, False]  # 3, then 10 with it


def test_threshold_one_hides_ones_and_threshold_zero_flags_nothing():
    df = table([(1, "a", 1, 31), (1, "b", 10, 31), (1, "c", 20, 31)])
    # threshold 1: the 1 is hidden, and 10 (the next smallest) with it
    one = protect(df, SPEC, threshold=1)
    assert one["n"].to_list() == [None, None, 20]
    # threshold 0 (`disclosure: none`): nothing hidden, and the flags say so (False, not null)
    zero = protect(df, SPEC, threshold=0)
    assert zero["n"].to_list() == [1, 10, 20]
    assert zero["is_n_suppressed"].to_list() == [False, False, False]
    assert zero["is_pct_suppressed"].to_list() == [False, False, False]
