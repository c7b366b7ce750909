"""The draft banner: what it lists, and what it says when nothing is unfinished."""

from pipeline.publish.render import draft


def test_banner_lists_each_unfinished_item():
    text = draft.banner(["report/narrative/service.md: placeholder text ('Service to edit')"])
    assert "the following must be finished:" in text
    assert "- report/narrative/service.md: placeholder text" in text


def test_banner_with_nothing_unfinished_says_so_without_an_empty_list():
    text = draft.banner([])
    assert "Nothing in it is marked unfinished" in text and "--final" in text
    assert "must be finished" not in text and "\n- " not in text
