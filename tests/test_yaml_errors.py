"""YAML syntax errors in a user's files: the line the parser stopped on and, for a construct
left open, the line it began on (where the mistake usually is)."""

import pytest
import yaml

from pipeline.yaml_errors import not_valid_yaml, yaml_problem


def _error(text: str) -> yaml.YAMLError:
    with pytest.raises(yaml.YAMLError) as exc:
        yaml.safe_load(text)
    return exc.value


def test_an_unclosed_quote_names_the_line_it_began_on():
    # the quote opened on line 1 runs to the end of the text (line 3, after two newlines)
    assert yaml_problem(_error("a: 'x\nb: 2\n")) == (
        " line 3",
        "found unexpected end of stream; the quoted scalar began on line 1",
    )


def test_an_error_on_one_line_names_only_that_line():
    assert yaml_problem(_error("a: 1\n b: 2\n")) == (
        " line 2",
        "mapping values are not allowed here",
    )


def test_front_matter_lines_count_from_the_file_not_the_block():
    # the block starts on the file's line 2 (after `---`): its line 1 is the file's line 2
    where, problem = not_valid_yaml(_error("title: [x\n"), first_line=2)
    assert where == " line 3"
    assert problem == (
        "not valid YAML (expected ',' or ']', but got '<stream end>'; "
        "the flow sequence began on line 2)"
    )
