"""The CSC report's group table: target, the months so far, blank months after the quarter,
the four-year trend, n / d beside percentages, c for suppressed figures."""

import datetime as dt

import polars as pl

from pipeline.reports.csc.view import (
    group_chart,
    group_table,
    no_table_sentence,
    right_columns,
    table_note,
)


def test_group_table_layout():
    catalogue = pl.DataFrame(
        {
            "indicator_id": ["p", "n"],
            "code": ["CSC 1", ""],
            "title": ["Percent in time", "Number done"],
            "group_id": ["g", "g"],
            "unit": ["%", "No."],
            "good_is": ["High", None],
            "target": [90.0, None],
            "window": ["ytd", "month"],
            "source": ["computed", "computed"],
            "numerator": ["in time", ""],
            "denominator": ["done", ""],
            "decimals": [1, 1],
            "order": [0, 1],
        }
    )
    row = dict.fromkeys(
        [
            "is_value_suppressed",
            "is_numerator_count_suppressed",
            "is_denominator_count_suppressed",
            "is_supplied",
        ],
        False,
    )
    values = pl.DataFrame(
        [
            {
                **row,
                "indicator_id": "p",
                "period": "ytd",
                "label": "2023-04",
                "value": 75.0,
                "numerator_count": 30,
                "denominator_count": 40,
            },
            {
                **row,
                "indicator_id": "p",
                "period": "ytd",
                "label": "2023-05",
                "value": None,
                "numerator_count": None,
                "denominator_count": 41,
                "is_value_suppressed": True,
                "is_numerator_count_suppressed": True,
            },
            {
                **row,
                "indicator_id": "n",
                "period": "month",
                "label": "2023-04",
                "value": 40.0,
                "numerator_count": 40,
                "denominator_count": None,
            },
            {
                **row,
                "indicator_id": "n",
                "period": "month",
                "label": "2023-05",
                "value": 0.0,
                "numerator_count": 0,
                "denominator_count": None,
            },
            {
                **row,
                "indicator_id": "n",
                "period": "year",
                "label": "2023-24",
                "value": 40.0,
                "numerator_count": 40,
                "denominator_count": None,
            },
        ]
    ).with_columns(end_date=pl.lit(dt.date(2023, 5, 31)))
    t = group_table(values, catalogue, "g", "2023-24 Q1")
    assert t.columns == ["Period", "CSC 1: n / d", "CSC 1: %", "Number done"]
    r = {p: t.row(i) for i, p in enumerate(t["Period"])}
    assert r["Target"] == ("Target", "", "90", "")
    assert r["Apr 2023"] == ("Apr 2023", "30 / 40", "75.0", "40")
    assert r["May 2023"] == ("May 2023", "c / 41", "c", "0")
    assert r["Jun 2023"] == ("Jun 2023", "–", "–", "–")  # in the quarter, no figure
    assert r["Jul 2023"] == ("Jul 2023", "", "", "")  # after the quarter: blank
    assert r["2023-24 (year to date)"][3] == "40" and r["2020-21"][3] == "–"
    assert "CSC 1: Percent in time (n = in time, d = done)" in table_note(catalogue, "g")


def _one_group(targets, sources=("computed", "supplied")):
    return pl.DataFrame(
        {
            "indicator_id": ["a", "b"],
            "code": ["CSC 1", "CSC 2"],
            "title": ["Assessments done", "Supplied count"],
            "group_id": ["g", "g"],
            "unit": ["No.", "No."],
            "good_is": [None, None],
            "target": list(targets),
            "window": ["month", "month"],
            "source": list(sources),
            "numerator": ["", ""],
            "denominator": ["", ""],
            "decimals": [0, 0],
            "order": [0, 1],
            "not_available": [None, None],
        },
        schema_overrides={"target": pl.Float64, "not_available": pl.String},
    )


def _month(ind, label, value, suppressed=False):
    return {
        "indicator_id": ind,
        "period": "month",
        "label": label,
        "value": value,
        "numerator_count": None if value is None else int(value),
        "denominator_count": None,
        "is_supplied": False,
        "is_value_suppressed": suppressed,
        "is_numerator_count_suppressed": suppressed,
        "is_denominator_count_suppressed": False,
        "end_date": dt.date(2023, 4, 30),
    }


def test_an_indicator_with_no_figure_is_left_out_and_the_note_says_why():
    # "b" is supplied, but nothing was supplied: every row would be a dash
    cat = _one_group([None, 50.0])
    values = pl.DataFrame([_month("a", "2023-04", 7.0), _month("a", "2023-05", 9.0)])
    t = group_table(values, cat, "g", "2023-24 Q1")
    assert t.columns == ["Period", "CSC 1"]
    # the only target was the left-out indicator's: no Target row of blanks
    assert t["Period"][0] == "Apr 2023" and "Target" not in t["Period"].to_list()
    assert t["CSC 1"].to_list()[:2] == ["7", "9"]
    note = table_note(cat, "g", t)
    assert (
        "CSC 2: Supplied count (not shown, no figure this year: none supplied by the service)"
        in note
    )
    assert "CSC 1: Assessments done (not shown" not in note
    # with a target on a shown indicator the Target row stays
    kept = group_table(values, _one_group([12.0, None]), "g", "2023-24 Q1")
    assert kept.row(0) == ("Target", "12")


def test_a_group_with_nothing_to_show_is_one_sentence():
    cat = _one_group([None, None]).with_columns(
        not_available=pl.Series(["no Annex A list 3 was supplied", None])
    )
    empty = pl.DataFrame([_month("a", "2023-04", None)]).clear()
    t = group_table(empty, cat, "g", "2023-24 Q1")
    assert right_columns(t) == []
    assert no_table_sentence(cat, "g") == (
        "No figures to show for this group: CSC 1: Assessments done (not available: no Annex A "
        "list 3 was supplied); CSC 2: Supplied count (no figure this year: none supplied by the "
        "service)."
    )


def test_a_chart_with_no_published_point_is_a_sentence_not_an_empty_chart():
    cat = _one_group([None, None])
    suppressed = pl.DataFrame(
        [_month("a", "2023-04", None, True), _month("a", "2023-05", None, True)]
    )
    chart, said = group_chart(suppressed, cat, "a")
    assert chart is None
    assert said == (
        "No chart of CSC 1: Assessments done: every monthly figure this year is suppressed to "
        "protect children's privacy."
    )
    chart, said = group_chart(suppressed.clear(), cat, "b")
    assert chart is None
    assert (
        said
        == "No chart of CSC 2: Supplied count: no figure this year: none supplied by the service."
    )
    # one published month is a chart
    chart, said = group_chart(
        pl.DataFrame([_month("a", "2023-04", 7.0), _month("a", "2023-05", None, True)]), cat, "a"
    )
    assert chart is not None and "7" in said


def test_nothing_to_show_is_put_in_place_of_the_embed_but_is_not_a_missing_input(
    tmp_path, monkeypatch
):
    import json

    from pipeline.publish import present
    from pipeline.publish.render import draft
    from pipeline.publish.render.stage import inline_not_available

    shown: list[tuple] = []
    monkeypatch.setattr(
        present, "_display", lambda data, metadata=None: shown.append((data, metadata))
    )
    present.no_figure("No chart of CSC 1: every monthly figure this year is suppressed.")
    [(data, metadata)] = shown
    cell = {
        "cell_type": "code",
        "source": "#| label: fig-csc-g\n",
        "metadata": {},
        "outputs": [{"output_type": "display_data", "data": data, "metadata": metadata}],
    }
    nbs = tmp_path / "nb"
    nbs.mkdir()
    (nbs / "60_csc.ipynb").write_text(json.dumps({"cells": [cell]}), encoding="utf-8")
    report = tmp_path / "report"
    report.mkdir()
    (report / "r.qmd").write_text(
        "## G\n\n{{< embed ../nb/60_csc.ipynb#fig-csc-g >}}\n", encoding="utf-8"
    )
    inline_not_available(report, nbs)
    text = (report / "r.qmd").read_text(encoding="utf-8")
    assert "embed" not in text and "every monthly figure this year is suppressed" in text
    assert draft.not_available(nbs, []) == []  # a final render does not refuse it
