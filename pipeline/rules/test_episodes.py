"""Episodes: our rules and the DfE rules on the order of episodes, periods of care and the
reasons for leaving care. Rows are numbered as in the file (the header is row 1), so the
first episode is row 2. The collection year is 2023-24 unless a test says otherwise."""

from pipeline.rules import registry
from pipeline.rules.testing import EPISODE, HEADER, failing


def ep(**kw):
    return {**EPISODE, **kw}


def kid(child, dob):
    return {**HEADER, "CHILD": child, "DOB": dob}


def test_ep01_ends_before_it_starts():
    rows = {
        "episodes": [ep(DEC="01/02/2020"), ep(CHILD="C1", DECOM="01/03/2020", DEC="01/02/2020")]
    }
    assert failing("EP01", rows) == [3]
    assert registry()["EP01"].dfe_code == "356"


def test_ep02_after_extract_date():
    rows = {"episodes": [ep(DEC="30/04/2024"), ep(DECOM="01/05/2024")]}
    assert failing("EP02", rows) == [3]


def test_overlaps_the_dfe_rules_blame_and_ep03_catches_the_rest():
    rows = {
        "episodes": [
            ep(DECOM="01/01/2020", DEC="01/06/2020", REC="X1"),
            ep(DECOM="01/06/2020", DEC="01/09/2020", REC="X1"),  # starts the day the last ends
            ep(DECOM="01/08/2020", DEC="01/10/2020", REC="X1"),  # starts before row 3 ends: 501
            ep(DECOM="01/11/2020"),  # open, and followed by another: 142 blames it
            ep(DECOM="01/12/2020", DEC="02/12/2020", REC="E13"),
        ]
    }
    assert failing("DFE-501", rows) == [4]
    assert failing("DFE-142", rows) == [5]
    # once those are out nothing else overlaps
    assert failing("EP03", rows) == []


def test_ep03_compares_with_every_earlier_episode_not_just_the_previous():
    rows = {
        "episodes": [
            ep(DECOM="01/01/2020", DEC="01/12/2020", REC="X1"),
            ep(DECOM="01/02/2020", DEC="01/03/2020", REC="X1"),  # inside row 2: 501
            ep(DECOM="01/04/2020", DEC="01/05/2020", REC="E13"),  # after row 3, inside row 2
        ]
    }
    assert failing("DFE-501", rows) == [3]
    assert failing("EP03", rows) == [4]


def test_code_lists():
    rows = {
        "episodes": [
            ep(),
            ep(DECOM="01/01/2021", LS="ZZ"),
            ep(DECOM="01/01/2022", PLACE_PROVIDER="PR9"),
        ]
    }
    assert failing("GX-EPISODES-LS-IN-SET", rows) == [3]
    assert failing("GX-EPISODES-PLACE_PROVIDER-IN-SET", rows) == [4]


def test_dfe_142_rec_a_non_last_episode_without_a_reason_only_warns():
    rows = {
        "episodes": [
            ep(DECOM="01/01/2020", DEC="01/02/2020"),  # ended, no reason, not last
            ep(DECOM="01/02/2020", DEC="01/03/2020", REC="X1"),
            ep(DECOM="01/03/2020"),  # last: may be open and without a reason
            ep(CHILD="C2", DECOM="01/01/2020", DEC="01/02/2020"),  # the only episode of C2
        ]
    }
    assert failing("DFE-142-REC", rows) == [2]
    assert failing("DFE-142", rows) == []
    assert registry()["DFE-142-REC"].severity == "warning"


def test_dfe_148_end_date_and_reason_both_or_neither():
    rows = {
        "episodes": [
            ep(),  # neither
            ep(DECOM="01/02/2020", DEC="01/03/2020", REC="E13"),  # both
            ep(DECOM="01/03/2020", DEC="01/04/2020"),  # date only
            ep(DECOM="01/04/2020", REC="E13"),  # reason only
            ep(DECOM="01/05/2020", DEC="not a date", REC=None),  # an unreadable date is coded
        ]
    }
    assert failing("DFE-148", rows) == [4, 5, 6]


def test_dfe_354_and_385_dates_after_the_collection_year_end():
    rows = {
        "episodes": [
            ep(DECOM="31/03/2024", DEC="31/03/2024", REC="E13"),  # on the last day: fine
            ep(DECOM="01/04/2024"),  # starts after 31 March 2024
            ep(DECOM="01/03/2024", DEC="01/04/2024", REC="E13"),  # ends after
        ]
    }
    assert failing("DFE-354", rows) == [3]
    assert failing("DFE-385", rows) == [4]
    # the row's own return decides: a 2024-25 row may end in April 2024
    rows["episodes"][2] = {**rows["episodes"][2], "collection_year": 2025}
    rows["episodes"][1] = {**rows["episodes"][1], "collection_year": 2025}
    assert failing("DFE-385", rows) == []
    assert failing("DFE-354", rows) == []


def test_dfe_355_same_day_episode():
    rows = {"episodes": [ep(DEC="01/01/2020", REC="E13"), ep(DECOM="02/01/2020", DEC="03/01/2020")]}
    assert failing("DFE-355", rows) == [2]


def test_dfe_353_start_before_october_1991():
    rows = {"episodes": [ep(DECOM="14/10/1991"), ep(CHILD="C2", DECOM="13/10/1991")]}
    assert failing("DFE-353", rows) == [3]


def test_dfe_357_first_episode_in_the_year_must_start_care():
    rows = {
        "episodes": [
            ep(CHILD="C1", DECOM="01/04/2023", RNE="P"),  # first, on 1 April: checked
            ep(CHILD="C2", DECOM="31/03/2023", RNE="P"),  # first, before the year: not checked
            ep(CHILD="C3", DECOM="01/05/2023", RNE="S"),
            ep(CHILD="C3", DECOM="01/06/2023", RNE="P"),  # not the first
        ]
    }
    assert failing("DFE-357", rows) == [2]


def test_dfe_388_x1_and_other_endings_against_the_next_episode():
    rows = {
        "episodes": [
            ep(CHILD="C1", DECOM="01/01/2020", DEC="01/02/2020", REC="X1"),  # next starts 02/02
            ep(CHILD="C1", DECOM="02/02/2020", DEC="01/03/2020", REC="E13"),  # next same day
            ep(CHILD="C1", DECOM="01/03/2020", DEC="01/04/2020", REC="X1"),  # last, X1
            ep(CHILD="C2", DECOM="01/01/2020", DEC="01/02/2020", REC="X1"),
            ep(CHILD="C2", DECOM="01/02/2020", DEC="01/03/2020", REC="E13"),  # fine
            ep(CHILD="C3", DECOM="01/01/2020", REC="X1"),  # last but open: not case 3
        ]
    }
    assert failing("DFE-388", rows) == [2, 3, 4]


def test_dfe_431_start_of_care_on_or_before_the_previous_end():
    rows = {
        "episodes": [
            ep(DECOM="01/01/2020", DEC="01/02/2020", REC="E13"),
            ep(DECOM="01/02/2020", RNE="S", DEC="01/03/2020", REC="E13"),  # same day
            ep(DECOM="02/03/2020", RNE="S"),  # a day later: fine
        ]
    }
    assert failing("DFE-431", rows) == [3]


def test_dfe_432_after_leaving_care_the_next_episode_must_start_care():
    rows = {
        "episodes": [
            ep(DECOM="01/01/2020", DEC="01/02/2020", REC="E13"),
            ep(DECOM="01/03/2020", RNE="P", DEC="01/04/2020", REC="X1"),  # after E13: not S
            ep(DECOM="01/04/2020", RNE="P"),  # after X1: fine
        ]
    }
    assert failing("DFE-432", rows) == [3]


def test_dfe_433_continuation_must_start_the_day_the_previous_ended():
    rows = {
        "episodes": [
            ep(DECOM="01/01/2020", DEC="01/02/2020", REC="X1"),
            ep(DECOM="01/02/2020", RNE="P", DEC="01/03/2020", REC="X1"),  # fine
            ep(DECOM="05/03/2020", RNE="L"),  # gap of 4 days
            ep(CHILD="C2", DECOM="01/01/2020", RNE="T"),  # the child's first: not checked
        ]
    }
    assert failing("DFE-433", rows) == [4]


def test_dfe_434_435_436_reason_for_new_episode_against_what_changed():
    def pair(child, rne, ls, place):
        same = {"PL_POST": "WX1 1AA", "URN": "SC000001"}
        return [
            ep(CHILD=child, DECOM="01/01/2020", DEC="01/02/2020", REC="X1", LS="C1", **same),
            ep(CHILD=child, DECOM="01/02/2020", RNE=rne, LS=ls, PLACE=place, **same),
        ]

    rows = {
        "episodes": [
            *pair("A", "L", "C2", "U1"),  # 3: LS changed, placement did not: fine
            *pair("B", "L", "C1", "U1"),  # 5: L but LS unchanged
            *pair("C", "L", "C2", "U4"),  # 7: L but placement changed
            *pair("D", "P", "C1", "U4"),  # 9: fine
            *pair("E", "P", "C2", "U4"),  # 11: P but LS changed
            *pair("F", "T", "C1", "U1"),  # 13: T but nothing about the placement changed
            *pair("G", "U", "C2", "U4"),  # 15: fine
            *pair("H", "B", "C1", "U4"),  # 17: B but LS unchanged
            *pair("I", "U", "C2", "U1"),  # 19: U but placement unchanged
        ]
    }
    assert failing("DFE-434", rows) == [5, 7]
    assert failing("DFE-435", rows) == [11, 13]
    assert failing("DFE-436", rows) == [17, 19]
    # as the DfE validator compares for 435: a blank postcode never equals a blank one
    blank = {"episodes": [{**r, "PL_POST": None} for r in rows["episodes"]]}
    assert failing("DFE-435", blank) == [11]
    # for 434 and 436 a blank equals a blank: an unrecorded postcode is not a move
    assert failing("DFE-434", blank) == [5, 7]
    assert failing("DFE-436", blank) == [17, 19]


def test_dfe_437_episodes_after_death_or_an_age_assessment_of_18():
    rows = {
        "episodes": [
            ep(DECOM="01/01/2020", DEC="01/02/2020", REC="E2"),
            ep(DECOM="01/03/2020"),
            ep(CHILD="C2", DECOM="01/01/2020", DEC="01/02/2020", REC="E15"),  # last: fine
        ]
    }
    assert failing("DFE-437", rows) == [2]


def test_dfe_504_need_code_changes_within_a_continuation():
    rows = {
        "episodes": [
            ep(DECOM="01/01/2020", DEC="01/02/2020", REC="X1", CIN="N1"),
            ep(DECOM="01/02/2020", RNE="P", CIN="N2", DEC="01/03/2020", REC="E13"),
            ep(DECOM="01/05/2020", RNE="S", CIN="N3"),  # a new period: fine
        ]
    }
    assert failing("DFE-504", rows) == [3]


def test_dfe_302_first_episode_before_birth_blames_the_episode_and_warns_on_the_header():
    rows = {
        "header": [HEADER, kid("C2", "01/01/2021")],
        "episodes": [
            ep(),
            ep(CHILD="C2", DECOM="01/01/2020", DEC="01/02/2021", REC="X1"),
            ep(CHILD="C2", DECOM="01/02/2021"),
        ],
    }
    assert failing("DFE-302", rows) == [3]
    assert failing("DFE-302-HEADER", rows) == [3]
    assert registry()["DFE-302-HEADER"].severity == "warning"


def test_dfe_352_starting_care_at_18():
    rows = {
        "header": [kid("C1", "02/01/2002"), kid("C2", "01/01/2002")],
        "episodes": [
            ep(CHILD="C1"),
            ep(CHILD="C2"),
        ],  # both start 01/01/2020; C2 turned 18 that day
    }
    assert failing("DFE-352", rows) == [3]


def test_dfe_359_still_looked_after_after_18_needs_v2_in_k2():
    rows = {
        "header": [kid("C1", "01/01/2005"), kid("C2", "01/01/2005"), kid("C3", "31/03/2006")],
        "episodes": [
            ep(CHILD="C1"),  # 18 on 01/01/2023, open in 2023-24
            ep(CHILD="C2", LS="V2", PLACE="K2"),
            ep(CHILD="C3"),  # 18 on 31/03/2024: not before the year end
        ],
    }
    assert failing("DFE-359", rows) == [2]


def test_reasons_for_leaving_by_age():
    header = [kid(c, "01/01/2006") for c in ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J")]
    rows = {
        "header": header,
        "episodes": [
            ep(CHILD="A", DEC="01/01/2024", REC="E11"),  # adopted on the 18th birthday: 386
            ep(CHILD="B", DEC="31/12/2023", REC="E12"),  # a day before: fine
            ep(CHILD="C", DEC="02/01/2024", REC="E45"),  # SGO a day after 18: 407
            ep(CHILD="D", DEC="01/01/2024", REC="E46"),  # SGO on the birthday: fine for 407
            ep(CHILD="E", DEC="31/12/2023", REC="E17"),  # staying put before 18: 460
            ep(CHILD="F", DEC="31/12/2019", REC="E5"),  # independent living under 14: 387
            ep(CHILD="G", DEC="01/01/2020", REC="E6"),  # on the 14th birthday: fine
            ep(CHILD="H", DEC="31/12/2021", REC="E7"),  # adult social care under 16: 389
            ep(CHILD="I", REC="E7"),  # no end date: 389 too (not shown to be 16)
            ep(CHILD="J", DEC="01/01/2022", REC="E7"),  # on the 16th birthday: fine
        ],
    }
    assert failing("DFE-386", rows) == [2]
    assert failing("DFE-407", rows) == [4]
    assert failing("DFE-407-HEADER", rows) == [4]  # child C's header row
    assert failing("DFE-460", rows) == [6]
    assert failing("DFE-387", rows) == [7]
    assert failing("DFE-389", rows) == [9, 10]


def test_dfe_516_sgo_to_former_foster_carers_needs_a_foster_placement():
    rows = {
        "episodes": [
            ep(DEC="01/02/2020", REC="E45", PLACE="U4"),
            ep(CHILD="C2", DEC="01/02/2020", REC="E46", PLACE="K2"),
        ]
    }
    assert failing("DFE-516", rows) == [3]
