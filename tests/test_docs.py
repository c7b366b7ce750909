"""Docs that restate code must agree with it."""

import os
import subprocess
import sys
from pathlib import Path

from pipeline.inputs.contract import contract_markdown

ROOT = Path(__file__).parents[1]


def test_data_contract_doc_lists_every_table_and_column_as_the_contract_does():
    text = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")
    start = text.index("<!-- generated")
    body = text[text.index("\n", start) + 1 : text.index("<!-- end generated -->")]
    assert body == contract_markdown(), "regenerate docs/data-contract.md from the contract"


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:1500]
    assert "make report" in head and "make test" in head


def test_data_dictionary_doc_is_generated_from_schemas_and_measures():
    # generated in a fresh process, as the documented command does: the measure registry's
    # order is the order its modules were first imported, which other tests can change
    code = "from pipeline.core.dictionary import dictionary_markdown as d; print(d(), end='')"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=True,
    )
    text = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert text == proc.stdout, (
        "regenerate: python -c 'from pipeline.core.dictionary import write; write()'"
    )


def test_csc_indicator_doc_lists_every_catalogue_indicator():
    from pipeline.reports.csc import DEFAULT_CATALOGUE
    from pipeline.reports.csc.catalogue import indicators_markdown, load_catalogue

    text = (ROOT / "docs" / "csc-indicators.md").read_text(encoding="utf-8")
    start = text.index("<!-- generated")
    body = text[text.index("\n", start) + 1 : text.index("<!-- end generated -->")]
    assert body == indicators_markdown(load_catalogue(DEFAULT_CATALOGUE)), (
        "regenerate the table in docs/csc-indicators.md (indicators_markdown)"
    )
