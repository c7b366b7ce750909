"""Episodes, DfE placement rules: temporary placements, codes invalid by date, providers,
legal status and placement, age and placement, legal-status durations. The first episode
is row 2; the collection year is 2023-24 unless a test says otherwise."""

from pipeline.rules import registry
from pipeline.rules.testing import EPISODE, HEADER, failing


def ep(**kw):
    return {**EPISODE, **kw}


def kid(child, dob):
    return {**HEADER, "CHILD": child, "DOB": dob}


def test_dfe_380_381_temporary_placement_at_the_start_or_end_of_a_period():
    rows = {
        "episodes": [
            ep(PLACE="T1", PLACE_PROVIDER=None, RNE="P", DEC="01/02/2020", REC="X1"),  # fine
            ep(CHILD="C2", PLACE="T1", PLACE_PROVIDER=None, RNE="S"),  # 380
            ep(CHILD="C3", PLACE="T2", PLACE_PROVIDER=None, RNE="B", DEC="01/02/2020", REC="E13"),
        ]
    }
    assert failing("DFE-380", rows) == [3]
    assert failing("DFE-381", rows) == [4]


def test_dfe_383_after_a_temporary_placement_the_child_returns_to_the_same_placement():
    def three(child, back_rne, back_place):
        return [
            ep(CHILD=child, DECOM="01/01/2020", DEC="01/02/2020", REC="X1", PLACE="U4"),
            ep(
                CHILD=child,
                DECOM="01/02/2020",
                DEC="08/02/2020",
                REC="X1",
                PLACE="T3",
                PLACE_PROVIDER=None,
                RNE="P",
            ),
            ep(CHILD=child, DECOM="08/02/2020", RNE=back_rne, PLACE=back_place),
        ]

    rows = {"episodes": [*three("A", "P", "U4"), *three("B", "P", "U6"), *three("C", "T", "U4")]}
    # the episode after the temporary one is blamed
    assert failing("DFE-383", rows) == [7, 10]


def test_dfe_383_from_2025_26_the_postcode_must_match_too():
    rows = {
        "episodes": [
            ep(DECOM="01/01/2020", DEC="01/02/2020", REC="X1", PLACE="U4", PL_POST="WX1 1AA"),
            ep(
                DECOM="01/02/2020",
                DEC="08/02/2020",
                REC="X1",
                PLACE="T3",
                PLACE_PROVIDER=None,
                RNE="P",
                PL_POST="WX1 1AA",
            ),
            ep(DECOM="08/02/2020", RNE="P", PLACE="U4", PL_POST="WX9 9ZZ"),
        ]
    }
    assert failing("DFE-383", rows) == []
    later = {"episodes": [{**r, "collection_year": 2026} for r in rows["episodes"]]}
    assert failing("DFE-383", later) == [4]


def test_temporary_placements_too_long():
    rows = {
        "episodes": [
            ep(PLACE="T1", DECOM="01/01/2020", DEC="12/02/2020", REC="X1"),  # 42 days: fine
            ep(PLACE="T1", DECOM="12/02/2020", DEC="25/03/2020", REC="X1"),  # 42 days: fine
            ep(PLACE="T1", DECOM="25/03/2020", DEC="07/05/2020", REC="X1"),  # 43 days: 375
            ep(PLACE="T3", DECOM="07/05/2020", DEC="29/05/2020", REC="X1"),  # 22 days: 376
            ep(PLACE="T4", DECOM="29/05/2020", DEC="06/06/2020", REC="X1"),  # 8 days: 379
            ep(PLACE="T4", DECOM="06/06/2020"),  # open: not measured
        ]
    }
    assert failing("DFE-375", rows) == [4]
    assert failing("DFE-376", rows) == [5]
    assert failing("DFE-379", rows) == [6]


def test_dfe_377_no_more_than_two_t3_placements():
    t3 = [ep(CHILD="C2", PLACE="T3", DECOM=f"0{i}/01/2020") for i in range(1, 4)]
    rows = {"episodes": [ep(PLACE="T3"), ep(PLACE="T3", DECOM="01/02/2020"), *t3]}
    assert failing("DFE-377", rows) == [4, 5, 6]


def test_dfe_445_446_451_freeing_and_placement_orders_by_date():
    rows = {
        "episodes": [
            ep(LS="D1", DECOM="31/12/2005", DEC="01/01/2006", REC="X1"),  # fine for 445
            ep(LS="D1", DECOM="01/01/2006", DEC="01/02/2006", REC="E13"),  # 445
            ep(CHILD="C2", LS="E1", DECOM="30/11/2005", DEC="01/12/2005", REC="X1"),  # 446
            ep(CHILD="C2", LS="E1", DECOM="01/12/2005"),  # fine
            ep(CHILD="C3", LS="D1", DECOM="01/01/2005"),  # still open: 451
        ]
    }
    assert failing("DFE-445", rows) == [3]
    assert failing("DFE-446", rows) == [4]
    assert failing("DFE-451", rows) == [6]
    assert registry()["DFE-445"].severity == "quarantine"


def test_dfe_217_placed_for_adoption_with_current_foster_carers_needs_s_t_or_u():
    rows = {
        "episodes": [
            ep(PLACE="A5", RNE="T", DECOM="01/04/2015"),
            ep(CHILD="C2", PLACE="A3", RNE="P", DECOM="01/04/2015"),  # 217
            ep(CHILD="C3", PLACE="A3", RNE="P", DECOM="31/03/2015"),  # before April 2015: fine
            ep(CHILD="C4", PLACE="A6", RNE="P", DECOM="01/04/2015"),  # not with carers: fine
        ]
    }
    assert failing("DFE-217", rows) == [3]


def test_dfe_217t_p2_not_valid_after_28_october_2023():
    rows = {
        "episodes": [
            ep(PLACE="P2", DECOM="01/01/2023", DEC="28/10/2023", REC="X1"),  # ends that day: fine
            ep(PLACE="P2", DECOM="28/10/2023", DEC="29/10/2023", REC="X1"),  # 217t
            ep(PLACE="P2", DECOM="29/10/2023"),  # open at 31 March 2024: 217t
            ep(CHILD="C2", PLACE="P2", DECOM="01/01/2017", collection_year=2018),  # open in 2017-18
        ]
    }
    assert failing("DFE-217T", rows) == [3, 4]


def test_provider_codes_required_and_forbidden_by_placement_type():
    rows = {
        "episodes": [
            ep(PLACE="U1", PLACE_PROVIDER="PR1"),  # 2: fine
            ep(PLACE="U1", PLACE_PROVIDER=None),  # 3: 526
            ep(PLACE="T1", PLACE_PROVIDER="PR1"),  # 4: 213 and 178
            ep(PLACE="Z1", PLACE_PROVIDER="PR4"),  # 5: 178 (Z1 takes none), not 213
            ep(PLACE="Z1", PLACE_PROVIDER=None),  # 6: fine
            ep(PLACE="K2", PLACE_PROVIDER="PR0"),  # 7: 550
            ep(PLACE="P1", PLACE_PROVIDER="PR0"),  # 8: fine
            ep(PLACE="R2", PLACE_PROVIDER="PR1"),  # 9: 527
            ep(PLACE="R5", PLACE_PROVIDER="PR2"),  # 10: 528
            ep(PLACE="K2", PLACE_PROVIDER="PR3"),  # 11: 529
            ep(PLACE="R1", PLACE_PROVIDER="PR3"),  # 12: fine
            ep(PLACE="P1", PLACE_PROVIDER="PR4"),  # 13: 530
            ep(PLACE="P1", PLACE_PROVIDER="PR5"),  # 14: 531
        ]
    }
    rows = {"episodes": [{**r, "CHILD": f"C{i}"} for i, r in enumerate(rows["episodes"])]}
    assert failing("DFE-526", rows) == [3]
    assert failing("DFE-213", rows) == [4]
    assert failing("DFE-178", rows) == [4, 5]
    assert failing("DFE-550", rows) == [7]
    assert failing("DFE-527", rows) == [9]
    assert failing("DFE-528", rows) == [10]
    assert failing("DFE-529", rows) == [11]
    assert failing("DFE-530", rows) == [13]
    assert failing("DFE-531", rows) == [14]


def test_no_provider_list_by_collection_year():
    rows = {
        "episodes": [
            ep(CHILD="A", PLACE="Z11", PLACE_PROVIDER="PR1", collection_year=2026),  # 213, 178
            ep(CHILD="B", PLACE="Z11", PLACE_PROVIDER=None, collection_year=2026),  # fine
            ep(CHILD="C", PLACE="Z1", PLACE_PROVIDER=None, collection_year=2024),  # fine
            ep(CHILD="D", PLACE="Z1", PLACE_PROVIDER=None, collection_year=2026),  # 526
        ]
    }
    assert failing("DFE-213", rows) == [2]
    assert failing("DFE-178", rows) == [2]
    assert failing("DFE-526", rows) == [5]


def test_dfe_378_408_390_legal_status_and_placement_in_one_row():
    rows = {
        "episodes": [
            ep(PLACE="P1", PLACE_PROVIDER="PR0", LS="V2"),  # 378
            ep(CHILD="C2", PLACE="A5", LS="C2"),  # 408
            ep(CHILD="C3", PLACE="A6", LS="E1"),  # fine
            ep(CHILD="C4", PLACE="U4", DEC="01/02/2020", REC="E11"),  # 390
            ep(CHILD="C5", PLACE="A4", LS="E1", DEC="01/02/2020", REC="E12"),  # fine
        ]
    }
    assert failing("DFE-378", rows) == [2]
    assert failing("DFE-408", rows) == [3]
    assert failing("DFE-390", rows) == [5]


def test_dfe_336_placed_for_adoption_with_consent_after_a_non_foster_placement():
    rows = {
        "episodes": [
            ep(PLACE="K2", DEC="01/02/2020", REC="X1"),
            ep(PLACE="A3", DECOM="01/02/2020", RNE="T"),  # after K2: 336
            ep(CHILD="C2", PLACE="U4", DEC="01/02/2020", REC="X1"),
            ep(CHILD="C2", PLACE="A4", DECOM="01/02/2020"),  # after foster: fine
            ep(CHILD="C3", PLACE="A3"),  # first episode: not checked
        ]
    }
    assert failing("DFE-336", rows) == [3]


def test_age_and_placement():
    header = [kid(c, "01/01/2010") for c in "ABCDEFGH"]
    rows = {
        "header": header,
        "episodes": [
            ep(CHILD="A", PLACE="R5", DECOM="31/12/2019", DEC="01/02/2020", REC="E13"),  # 372
            ep(CHILD="B", PLACE="R5", DECOM="01/01/2020", DEC="01/02/2020", REC="E13"),  # on 10th
            ep(CHILD="C", PLACE="R5", DECOM="31/12/2019"),  # open: not checked
            ep(CHILD="D", PLACE="S1", DECOM="31/12/2013", DEC="01/02/2014", REC="E13"),  # 373
            ep(CHILD="E", PLACE="P3", DECOM="31/12/2023", DEC="01/02/2024", REC="E13"),  # 374
            ep(
                CHILD="F",
                PLACE="P2",
                DECOM="31/12/2025",
                DEC="01/02/2026",
                REC="E13",
                collection_year=2023,
            ),  # 370: under 16 (15 before 2023-24: so fine)
            ep(
                CHILD="G",
                PLACE="H5",
                DECOM="31/12/2024",
                DEC="01/02/2025",
                REC="E13",
                collection_year=2024,
            ),  # 371: under 16 in 2023-24
            ep(
                CHILD="H",
                PLACE="K3",
                DECOM="31/12/2024",
                DEC="01/02/2025",
                REC="E13",
                collection_year=2025,
            ),  # 371: K3 under 16 from 2024-25
        ],
    }
    assert failing("DFE-372", rows) == [2]
    assert failing("DFE-373", rows) == [5]
    assert failing("DFE-374", rows) == [6]
    assert failing("DFE-370", rows) == []
    assert failing("DFE-371", rows) == [8, 9]
    rows["episodes"][5] = {**rows["episodes"][5], "collection_year": 2024}
    assert failing("DFE-370", rows) == [7]


def test_dfe_358_youth_justice_legal_status_under_10_warns_on_episode_and_header():
    rows = {
        "header": [kid("C1", "01/01/2010"), kid("C2", "01/01/2010")],
        "episodes": [
            ep(CHILD="C1", LS="J1", DECOM="01/01/2020"),  # the 10th birthday: flagged
            ep(CHILD="C2", LS="J2", DECOM="02/01/2020"),
        ],
    }
    assert failing("DFE-358", rows) == [2]
    assert failing("DFE-358-HEADER", rows) == [2]


def test_legal_status_durations():
    rows = {
        "episodes": [
            # L1 for 3 days over two flowing episodes: fine; then 4 days: 361 flags both
            ep(CHILD="A", LS="L1", DECOM="01/01/2020", DEC="02/01/2020", REC="X1"),
            ep(CHILD="A", LS="L1", DECOM="02/01/2020", DEC="04/01/2020", REC="X1", RNE="P"),
            ep(CHILD="A", LS="C1", DECOM="04/01/2020", RNE="L"),
            ep(CHILD="B", LS="L1", DECOM="01/01/2020", DEC="03/01/2020", REC="X1"),
            ep(CHILD="B", LS="L1", DECOM="03/01/2020", DEC="05/01/2020", REC="X1", RNE="P"),
            ep(CHILD="B", LS="C1", DECOM="05/01/2020", RNE="L"),
            # L2 for 22 days: 362
            ep(CHILD="C", LS="L2", DECOM="01/01/2020", DEC="23/01/2020", REC="X1"),
            ep(CHILD="C", LS="C1", DECOM="23/01/2020", RNE="L"),
            # L3 summed over a period: 4 + 4 = 8 days: 363
            ep(CHILD="D", LS="L3", DECOM="01/01/2020", DEC="05/01/2020", REC="X1"),
            ep(CHILD="D", LS="L3", DECOM="05/01/2020", DEC="09/01/2020", REC="X1", RNE="P"),
            ep(CHILD="D", LS="C1", DECOM="09/01/2020", RNE="L"),
            # J2 for 21 days: fine
            ep(CHILD="E", LS="J2", DECOM="01/01/2020", DEC="22/01/2020", REC="X1"),
            ep(CHILD="E", LS="C1", DECOM="22/01/2020", RNE="L"),
        ]
    }
    assert failing("DFE-361", rows) == [5, 6]
    assert failing("DFE-362", rows) == [8]
    assert failing("DFE-363", rows) == [10, 11]
    assert failing("DFE-364", rows) == []


def test_open_short_term_legal_status_runs_to_the_collection_year_end():
    rows = {"episodes": [ep(LS="L1", DECOM="30/03/2024")]}  # open: to 31 March 2024, 1 day
    assert failing("DFE-361", rows) == []
    rows = {"episodes": [ep(LS="L1", DECOM="27/03/2024")]}  # 4 days
    assert failing("DFE-361", rows) == [2]
