"""Our DfE rules against the DfE's own validator, rule by rule (optional).

The validator (`csc-validator-be-903`) needs a virtual environment of its own (it pins
pandas 1.5 and numpy 1.24): set `CIC_PEER903_PYTHON` to that environment's `python` to
run these tests; without it they are skipped, saying why (a user's machine will not have
it, and neither does CI). `pipeline.rules.peer` does the work: it runs the validator on
the same CSV files and, for every DfE rule number both implement, compares the rows each
flags (re-running a rule on its own where the validator's full run is contaminated by
another rule changing the frames).

Two inputs: a hand-built 2023-24 return below, made so that the rules which never fire on
the fake data fire here (and at their boundaries), and the shared fake 903 (2017-18).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from shared_data import FAKE_903, need

from pipeline.inputs.contract import tables
from pipeline.rules import peer

ROOT = Path(__file__).resolve().parents[1]
FAKE = FAKE_903

pytestmark = pytest.mark.skipif(peer.peer_python() is None, reason=peer.why_unavailable())

# Where we knowingly differ from the validator, and why (rule -> reason). Each entry is a
# choice documented in docs/validation-rules.md; anything else that differs fails.
KNOWN_DIFFERENCES = {
    "583": "the validator takes the 'latest' decision by the text of its date (dd/mm/yyyy), "
    "so 31/12/2009 is later than 01/01/2021; we compare dates",
}
# Rows set aside before any rule runs (reviews and missing periods dated before the data's
# coverage, which the return does not hold) are never compared. On the fake 903 a child
# whose only reviews are such history keeps its episodes and header unflagged by DfE 399
# (a short-breaks child "with reviews"): we count the reviews of the return, the validator
# every review row it is given.
FAKE_KNOWN_DIFFERENCES = KNOWN_DIFFERENCES | {
    "399": "reviews dated before the return's coverage are set aside as history, so they do "
    "not make a short-breaks child's episodes and header fail",
}


def rows(*dicts, **common):
    return [{**common, **d} for d in dicts]


HEADER = dict(SEX="1", ETHNIC="WBRI")
EP = dict(RNE="S", LS="C2", CIN="N1", PLACE="U4", PLACE_PROVIDER="PR1")

FIXTURE = {
    "header": rows(
        {"CHILD": "A01", "DOB": "01/01/2010"},
        {"CHILD": "A02", "DOB": "01/01/2021"},
        {"CHILD": "A03", "DOB": "01/04/2019"},
        {"CHILD": "A04", "DOB": "31/03/2006"},
        {"CHILD": "A05", "DOB": "01/01/2012"},
        {"CHILD": "A06", "DOB": "01/01/2012"},
        {"CHILD": "A07", "DOB": "01/01/2005"},
        {"CHILD": "A08", "DOB": "15/06/2005"},
        {"CHILD": "A09", "DOB": "01/01/2006"},
        {"CHILD": "A10", "DOB": "01/01/2004"},
        {"CHILD": "A11", "DOB": "01/01/2003"},
        {"CHILD": "A12", "DOB": "01/01/2012"},
        {"CHILD": "A13", "DOB": "01/01/2012"},
        {"CHILD": "A14", "DOB": "01/06/2023"},
        {"CHILD": "A15", "DOB": "01/04/2024"},
        {"CHILD": "A16", "DOB": "01/01/1997"},
        {"CHILD": "A17", "DOB": "01/01/2007"},
        {"CHILD": "A18", "DOB": "01/01/2008"},
        {"CHILD": "A19", "DOB": "01/01/2008"},
        {"CHILD": "A20", "DOB": "01/01/2020"},
        {"CHILD": "A21", "DOB": "01/01/2019"},
        {"CHILD": "A22", "DOB": "01/01/2019"},
        {"CHILD": "A23", "DOB": "01/01/2010"},
        {"CHILD": "A24", "DOB": "01/01/2019"},
        {"CHILD": "A25", "DOB": "10/10/2006"},
        {"CHILD": "A26", "DOB": "01/01/2003"},
        {"CHILD": "A27", "DOB": "01/01/2003"},
        {"CHILD": "A28", "DOB": "01/01/2003"},
        {"CHILD": "A29", "DOB": "01/06/2006"},
        {"CHILD": "A30", "DOB": "01/06/2008"},
        {"CHILD": "A31", "DOB": "01/01/2012"},
        {"CHILD": "A32", "DOB": "01/01/2013"},
        {"CHILD": "A33", "DOB": "01/01/2011"},
        {"CHILD": "A34", "DOB": "01/01/2010"},
        {"CHILD": "A35", "DOB": "01/01/2008"},
        {"CHILD": "A36", "DOB": "01/01/2006"},
        {"CHILD": "A37", "DOB": "01/01/2005"},
        {"CHILD": "A38", "DOB": "01/01/1980"},
        {"CHILD": "A39", "DOB": "01/01/2011"},
        **HEADER,
    ),
    "episodes": rows(
        {"CHILD": "A01", "DECOM": "01/01/2020", "DEC": "01/06/2023", "REC": "X1"},
        {"CHILD": "A01", "DECOM": "01/06/2023", "RNE": "P", "PLACE": "U6"},
        {"CHILD": "A02", "DECOM": "01/02/2021", "PLACE": "U6"},
        {"CHILD": "A03", "DECOM": "01/01/2022"},
        {"CHILD": "A04", "DECOM": "01/01/2015", "PLACE": "K2", "PLACE_PROVIDER": "PR4"},
        {"CHILD": "A05", "DECOM": "01/01/2018"},
        {"CHILD": "A06", "DECOM": "01/01/2018"},
        {"CHILD": "A07", "DECOM": "01/01/2019", "PLACE": "K2", "PLACE_PROVIDER": "PR4"},
        {"CHILD": "A08", "DECOM": "01/01/2019", "LS": "V2", "DEC": "15/06/2023", "REC": "E11"},
        {"CHILD": "A09", "DECOM": "01/01/2020", "DEC": "02/01/2024", "REC": "E45"},
        {"CHILD": "A10", "DECOM": "30/11/2005", "LS": "E1", "DEC": "01/12/2005", "REC": "X1"},
        {
            "CHILD": "A10",
            "DECOM": "01/12/2005",
            "RNE": "P",
            "LS": "E1",
            "PLACE": "U6",
            "DEC": "01/01/2010",
            "REC": "E8",
        },
        {"CHILD": "A11", "DECOM": "01/01/2004", "LS": "D1"},
        {"CHILD": "A12", "DECOM": "01/01/2023", "LS": "C1", "DEC": "01/06/2023", "REC": "X1"},
        {"CHILD": "A12", "DECOM": "01/06/2023", "RNE": "L", "CIN": "N2"},
        {"CHILD": "A13", "DECOM": "01/05/2023", "LS": "C1", "DEC": "01/05/2023", "REC": "E13"},
        {"CHILD": "A14", "DECOM": "01/05/2023", "PLACE": "P1", "PLACE_PROVIDER": "PR0"},
        {"CHILD": "A19", "DECOM": "01/01/2022", "DEC": "01/06/2023", "REC": "X1"},
        {
            "CHILD": "A19",
            "DECOM": "01/06/2023",
            "RNE": "P",
            "PLACE": "U6",
            "DEC": "01/09/2023",
            "REC": "E13",
        },
        {"CHILD": "A20", "DECOM": "01/01/2021", "LS": "C1", "DEC": "01/06/2022", "REC": "X1"},
        {
            "CHILD": "A20",
            "DECOM": "01/06/2022",
            "RNE": "L",
            "LS": "E1",
            "DEC": "01/07/2022",
            "REC": "X1",
        },
        {
            "CHILD": "A20",
            "DECOM": "01/07/2022",
            "RNE": "P",
            "LS": "E1",
            "PLACE": "A6",
            "DEC": "01/06/2023",
            "REC": "E11",
        },
        {
            "CHILD": "A22",
            "DECOM": "01/01/2021",
            "LS": "E1",
            "PLACE": "A5",
            "DEC": "01/09/2023",
            "REC": "E12",
        },
        {"CHILD": "A23", "DECOM": "01/01/2020", "LS": "E1", "PLACE": "A6"},
        {
            "CHILD": "A24",
            "DECOM": "01/01/2020",
            "LS": "E1",
            "PLACE": "A6",
            "DEC": "01/01/2024",
            "REC": "E11",
        },
        {"CHILD": "A25", "DECOM": "01/01/2020", "DEC": "01/01/2024", "REC": "E8"},
        {
            "CHILD": "A26",
            "DECOM": "01/01/2018",
            "PLACE": "K2",
            "PLACE_PROVIDER": "PR4",
            "DEC": "01/01/2021",
            "REC": "E2",
        },
        {"CHILD": "A27", "DECOM": "01/01/2018", "DEC": "01/01/2021", "REC": "E3"},
        {"CHILD": "A31", "DECOM": "01/02/2024", "LS": "V3", "DEC": "03/02/2024", "REC": "E13"},
        {"CHILD": "A32", "DECOM": "01/01/2020"},
        {"CHILD": "A33", "DECOM": "01/01/2020"},
        {"CHILD": "A34", "DECOM": "01/01/2020", "DEC": "31/12/2023", "REC": "E5"},
        {"CHILD": "A35", "DECOM": "01/01/2020", "DEC": "31/12/2023", "REC": "E7"},
        {"CHILD": "A36", "DECOM": "01/01/2020", "DEC": "31/12/2023", "REC": "E17"},
        {"CHILD": "A37", "DECOM": "01/01/2023"},
        {"CHILD": "A38", "DECOM": "01/01/1990", "DEC": "01/01/1995", "REC": "E8"},
        {"CHILD": "A39", "DECOM": "01/01/2023", "DEC": "01/02/2023", "REC": "E13"},
        {"CHILD": "A39", "DECOM": "01/02/2023", "RNE": "P", "DEC": "01/03/2023", "REC": "X1"},
        **EP,
    ),
    "reviews": rows(
        {"CHILD": "A02", "DOB": "01/01/2021", "REVIEW": "01/06/2023", "REVIEW_CODE": "PN1"},
        {"CHILD": "A31", "DOB": "01/01/2012", "REVIEW": "02/02/2024", "REVIEW_CODE": "PN1"},
        {"CHILD": "A32", "DOB": "01/01/2013", "REVIEW": "01/06/2023", "REVIEW_CODE": "PN0"},
        {"CHILD": "A32", "DOB": "01/02/2013", "REVIEW": "01/12/2023", "REVIEW_CODE": "PN1"},
        {"CHILD": "A30", "DOB": "01/06/2008", "REVIEW": "01/12/2023", "REVIEW_CODE": "PN1"},
    ),
    "uasc": rows(
        {"CHILD": "A17", "SEX": "2", "DOB": "02/01/2007", "DUC": "03/01/2025"},
        {"CHILD": "A18", "SEX": "1", "DOB": "01/01/2008", "DUC": "31/03/2023"},
        {"CHILD": "A18", "SEX": "1", "DOB": "01/01/2008", "DUC": "31/03/2023"},
    ),
    "missing": rows(
        {"MIS_START": "01/05/2023", "MIS_END": None, "MISSING": "M"},
        {"MIS_START": "01/04/2024", "MIS_END": None, "MISSING": "M"},
        {"MIS_START": "01/03/2023", "MIS_END": "31/03/2023", "MISSING": "A"},
        {"MIS_START": "01/01/2008", "MIS_END": "02/01/2008", "MISSING": "A"},
        {"MIS_START": "01/07/2023", "MIS_END": "10/07/2023", "MISSING": "M"},
        {"MIS_START": "05/07/2023", "MIS_END": "06/07/2023", "MISSING": "M", "DOB": "01/02/2008"},
        {
            "CHILD": "A16",
            "MIS_START": "01/07/2023",
            "MIS_END": "02/07/2023",
            "MISSING": "M",
            "DOB": "01/01/1997",
        },
        # born in the year and missing on the day of birth (586); a row dated before the
        # return's coverage, like A19's of 2008, is set aside as history before any rule
        {
            "CHILD": "A14",
            "MIS_START": "01/06/2023",
            "MIS_END": "01/06/2023",
            "MISSING": "A",
            "DOB": "01/06/2023",
        },
        CHILD="A19",
        DOB="01/01/2008",
    ),
    "oc2": rows(
        {
            "CHILD": "A01",
            "DOB": "01/01/2010",
            "SDQ_SCORE": "12",
            "CONVICTED": "0",
            "HEALTH_CHECK": None,
            "IMMUNISATIONS": "1",
            "TEETH_CHECK": "1",
            "HEALTH_ASSESSMENT": "1",
            "SUBSTANCE_MISUSE": "0",
        },
        {
            "CHILD": "A02",
            "DOB": "01/01/2021",
            "SDQ_SCORE": "5",
            "IMMUNISATIONS": "1",
            "TEETH_CHECK": "1",
            "HEALTH_ASSESSMENT": "1",
            "SUBSTANCE_MISUSE": "0",
        },
        {
            "CHILD": "A03",
            "DOB": "01/04/2019",
            "IMMUNISATIONS": "1",
            "TEETH_CHECK": "1",
            "HEALTH_ASSESSMENT": "1",
            "SUBSTANCE_MISUSE": "0",
            "HEALTH_CHECK": "1",
        },
        {
            "CHILD": "A04",
            "DOB": "31/03/2006",
            "SDQ_SCORE": "20",
            "IMMUNISATIONS": "1",
            "TEETH_CHECK": "1",
            "HEALTH_ASSESSMENT": "1",
            "SUBSTANCE_MISUSE": "0",
        },
        {
            "CHILD": "A05",
            "DOB": "01/01/2012",
            "SDQ_SCORE": "9",
            "CONVICTED": "0",
            "TEETH_CHECK": "1",
            "HEALTH_ASSESSMENT": "1",
            "SUBSTANCE_MISUSE": "1",
        },
        {
            "CHILD": "A06",
            "DOB": "02/01/2012",
            "SDQ_SCORE": "10",
            "SDQ_REASON": "SDQ2",
            "CONVICTED": "1",
            "HEALTH_CHECK": "1",
            "IMMUNISATIONS": "1",
            "HEALTH_ASSESSMENT": "1",
            "SUBSTANCE_MISUSE": "1",
            "INTERVENTION_RECEIVED": "0",
        },
        {"CHILD": "A12", "DOB": "01/01/2012", "SDQ_REASON": "SDQ1", "IMMUNISATIONS": "1"},
        {"CHILD": "A33", "DOB": "01/01/2011", "SDQ_SCORE": "3"},
        {"CHILD": "A33", "DOB": "01/01/2011", "SDQ_SCORE": "3"},
        {"CHILD": "A28", "DOB": "01/01/2003", "CONVICTED": "0"},
        {"CHILD": "A16", "DOB": "01/01/1997"},
    ),
    "oc3": rows(
        {"CHILD": "A25", "DOB": "10/10/2006", "IN_TOUCH": "YES", "ACTIV": "F1", "ACCOM": "B1"},
        {"CHILD": "A26", "DOB": "01/01/2003", "IN_TOUCH": "DIED", "ACTIV": "0", "ACCOM": "0"},
        {"CHILD": "A27", "DOB": "01/01/2003", "IN_TOUCH": "YES", "ACTIV": "F1", "ACCOM": "B1"},
        {"CHILD": "A28", "DOB": "02/01/2003", "IN_TOUCH": "YES", "ACTIV": "0", "ACCOM": "B1"},
        {"CHILD": "A29", "DOB": "01/06/2006", "IN_TOUCH": "YES", "ACTIV": "F1", "ACCOM": "Z1"},
        {"CHILD": "A30", "DOB": "01/06/2008", "IN_TOUCH": "RHOM", "ACTIV": None, "ACCOM": "0"},
        {"CHILD": "A30", "DOB": "01/06/2008", "IN_TOUCH": "NO", "ACTIV": None, "ACCOM": None},
        {"CHILD": "A01", "DOB": "01/01/2010", "IN_TOUCH": "YES", "ACTIV": "F1", "ACCOM": "B1"},
    ),
    "ad1": rows(
        {
            "CHILD": "A20",
            "DOB": "01/01/2020",
            "DATE_INT": "01/02/2022",
            "DATE_MATCH": "02/07/2022",
            "FOSTER_CARE": "1",
            "NB_ADOPTR": "2",
            "SEX_ADOPTR": "MF",
            "LS_ADOPTR": "L11",
        },
        {"CHILD": "A21", "DOB": "01/01/2019", "DATE_MATCH": "01/02/2023"},
        {"CHILD": "A21", "DOB": "02/01/2019", "DATE_MATCH": "01/02/2023"},
        {
            "CHILD": "A22",
            "DOB": "01/01/2019",
            "DATE_INT": "01/01/2022",
            "DATE_MATCH": "01/09/2023",
            "NB_ADOPTR": "1",
            "SEX_ADOPTR": "F1",
            "LS_ADOPTR": "L0",
        },
        {
            "CHILD": "A01",
            "DOB": "01/01/2010",
            "DATE_INT": "01/02/2022",
            "DATE_MATCH": "01/02/2023",
            "FOSTER_CARE": "0",
            "NB_ADOPTR": "1",
            "SEX_ADOPTR": "F1",
            "LS_ADOPTR": "L0",
        },
    ),
    "placed_for_adoption": rows(
        {"CHILD": "A20", "DOB": "01/01/2020", "DATE_PLACED": "01/03/2022"},
        {"CHILD": "A23", "DOB": "01/01/2010", "DATE_PLACED": "31/12/2009"},
        {"CHILD": "A23", "DOB": "01/01/2010", "DATE_PLACED": "01/01/2021"},
        {
            "CHILD": "A24",
            "DOB": "01/01/2019",
            "DATE_PLACED": "01/02/2020",
            "DATE_PLACED_CEASED": "01/03/2020",
            "REASON_PLACED_CEASED": "RD1",
        },
        {
            "CHILD": "A24",
            "DOB": "02/01/2019",
            "DATE_PLACED": "01/04/2020",
            "DATE_PLACED_CEASED": "01/05/2020",
            "REASON_PLACED_CEASED": "RD1",
        },
        {
            "CHILD": "A22",
            "DOB": "01/01/2019",
            "DATE_PLACED": "01/01/2022",
            "DATE_PLACED_CEASED": "01/09/2023",
        },
        {"CHILD": "A16", "DOB": "01/01/1997", "DATE_PLACED": "01/01/2000"},
    ),
    "previous_permanence": rows(
        {"CHILD": "A01", "DOB": "01/01/2010", "PREV_PERM": "Z1"},
        {"CHILD": "A01", "DOB": "01/01/2010", "PREV_PERM": "Z1"},
        {"CHILD": "A02", "DOB": "02/01/2021", "PREV_PERM": "Z1"},
        {"CHILD": "A16", "DOB": "01/01/1997", "PREV_PERM": "Z1"},
    ),
}


def write_fixture(folder: Path) -> Path:
    for table, data in FIXTURE.items():
        columns = tables()[table].column_names
        with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns)
            w.writeheader()
            for r in data:
                w.writerow({c: r.get(c) or "" for c in columns})
    return folder


def disagreements(table, known=KNOWN_DIFFERENCES) -> dict[str, str]:
    bad = table.filter(~table["agree"])
    return {
        r["dfe_rule"]: f"ours {r['ours']}, validator {r['peer']}, only ours {r['ours_only']}, "
        f"only the validator's {r['peer_only']}"
        for r in bad.iter_rows(named=True)
        if r["dfe_rule"] not in known
    }


def test_hand_built_2023_24_return_flags_what_the_validator_flags(tmp_path):
    table = peer.reconcile(write_fixture(tmp_path), 2024)
    assert disagreements(table) == {}
    fired = set(table.filter(table["ours"] > 0)["dfe_rule"])
    # the fixture exists to make these fire (they flag nothing in the fake 903)
    assert {
        "186",
        "188",
        "189",
        "191",
        "197a",
        "302",
        "304",
        "331",
        "333",
        "345",
        "351",
        "355",
        "359",
        "386",
        "407",
        "446",
        "451",
        "504",
        "521",
        "523",
        "558",
        "575",
        "579",
        "582",
        "583",
        "586",
        "601",
        "1000",
        "1011",
        "INT33",
        "INT36",
    } <= fired


def test_shared_fake_903_flags_what_the_validator_flags():
    need(FAKE)
    table = peer.reconcile(FAKE, 2018)
    assert disagreements(table, FAKE_KNOWN_DIFFERENCES) == {}
    assert table.height > 140  # every rule both implement was compared
    assert table.filter(table["isolated"]).height <= 6  # the validator's contaminated rules
