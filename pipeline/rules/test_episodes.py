from pipeline.rules.testing import EPISODE, failing


def ep(**kw):
    return {**EPISODE, **kw}


def test_ep01_ends_before_it_starts():
    rows = {
        "episodes": [ep(DEC="01/02/2020"), ep(CHILD="C1", DECOM="01/03/2020", DEC="01/02/2020")]
    }
    assert failing("EP01", rows) == [3]


def test_ep02_after_extract_date():
    rows = {"episodes": [ep(DEC="30/04/2024"), ep(DECOM="01/05/2024")]}
    assert failing("EP02", rows) == [3]


def test_ep03_overlap_quarantines_the_later_episode():
    rows = {
        "episodes": [
            ep(DECOM="01/01/2020", DEC="01/06/2020"),
            ep(DECOM="01/06/2020", DEC="01/09/2020"),  # starts the day the previous ends: fine
            ep(DECOM="01/08/2020", DEC="01/10/2020"),  # overlaps the one before
            ep(DECOM="01/11/2020"),  # open
            ep(DECOM="01/12/2020", DEC="02/12/2020"),  # inside the open episode
        ]
    }
    assert failing("EP03", rows) == [4, 6]


def test_ep03_compares_with_every_earlier_episode_not_just_the_previous():
    rows = {
        "episodes": [
            ep(DECOM="01/01/2020", DEC="01/12/2020"),
            ep(DECOM="01/02/2020", DEC="01/03/2020"),
            ep(DECOM="01/04/2020", DEC="01/05/2020"),
        ]
    }
    assert failing("EP03", rows) == [3, 4]


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
