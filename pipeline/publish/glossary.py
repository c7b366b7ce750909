"""Abbreviations used in the reports, and the glossary of those a page actually uses.

`used_in(texts)` finds every abbreviation in the text a report publishes (titles,
definitions, sentences, the service's commentary) and returns it with its meaning, in
alphabetical order, so the glossary lists exactly what a reader meets. A word in capitals
that is not in `ABBREVIATIONS` is returned by `unknown_in` (tests fail on it), so a new
title cannot bring in an undefined abbreviation.
"""

from __future__ import annotations

import re

ABBREVIATIONS: dict[str, str] = {
    "ADM": "Agency decision maker: the person who approves adopters and adoption plans",
    "CIC": "Children in care (looked-after children)",
    "CP": "Child protection",
    "DfE": "Department for Education",
    "DOT": "Direction of travel: whether the figure moved the right way since last month",
    "EET": "In education, employment or training",
    "EHCP": "Education, health and care plan (for children with special educational needs)",
    "FTA": "Foster to adopt: foster carers approved as prospective adopters for the child",
    "IHA": "Initial health assessment (due within 20 working days of coming into care)",
    "INF": "The informal stage of an IRO escalation",
    "IRO": "Independent reviewing officer",
    "LA": "Local authority",
    "NEET": "Not in education, employment or training",
    "OC2": "The SSDA903 return's health and offending outcomes of children in care for 12 months",
    "OC3": "The SSDA903 return's activity and accommodation of care leavers at their birthday",
    "ONS": "Office for National Statistics",
    "PEP": "Personal education plan",
    "PR": "Parental responsibility",
    "RAG": "Red, amber or green: how the figure compares with its target",
    "SDQ": "Strengths and difficulties questionnaire (a score of emotional wellbeing; lower is better)",
    "SGO": "Special guardianship order",
    "SSDA903": "The DfE's annual return on children looked after by local authorities",
    "UASC": "Unaccompanied asylum-seeking children",
    "YTD": "Year to date: from 1 April to the end of the latest month",
    "H5": "SSDA903 placement code: semi-independent living (not regulated; ended October 2023)",
    "P2": "SSDA903 code, by table: independent living, e.g. in a flat or lodgings (placement); part-time education other than higher education (care leaver activity)",
    "R1": "SSDA903 placement code: residential care home not subject to children's homes regulations",
    "PN0": "Participation code: child aged under 4 at the review",
    "PN1": "Participation code: the child attended and spoke for themselves",
    "PN7": "Participation code: the child did not take part",
    "PRE": "A pre-escalation note (raised before a formal escalation)",
    "S1": "Stage 1 of a formal IRO escalation (likewise S2 to S5)",
    "NTS": "National Transfer Scheme (for unaccompanied asylum-seeking children)",
    "LADO": "Local authority designated officer (allegations against adults working with children)",
    # SSDA903 codes that indicator definitions name (DfE SSDA903 guidance code lists)
    "A1": "The DfE adoption scorecard measure: days from entering care to moving in with adopters",
    "AD1": "The SSDA903 table of adoption decisions and matches (dates of the decision, match and placement)",
    "D1": "SSDA903 legal status: freeing order granted (before 30 December 2005)",
    "E1": "SSDA903 legal status: placement order granted",
    "E11": "SSDA903 reason care ended: adopted, application for an adoption order unopposed",
    "E12": "SSDA903 reason care ended: adopted, consent dispensed with by the court",
    "E4A": "SSDA903 reason care ended: returned home as part of the care planning process",
    "E4B": "SSDA903 reason care ended: returned home, not as part of the care planning process",
    "EHC": "Education, health and care (an EHC plan; see EHCP)",
    "SEND": "Special educational needs and disabilities",
    "F1": "SSDA903 care leaver activity: full-time in higher education (P1: part-time)",
    "F2": "SSDA903 care leaver activity: full-time in education other than higher education (P2: part-time)",
    "F4": "SSDA903 care leaver activity: full-time in employment (P4: part-time)",
    "F5": "SSDA903 care leaver activity: full-time in training (P5: part-time)",
    "P1": "SSDA903 code, by table: placed with parents (placement); part-time higher education (care leaver activity)",
    "P4": "SSDA903 care leaver activity: part-time in employment",
    "P5": "SSDA903 care leaver activity: part-time in training",
    "PR1": "SSDA903 placement provider: the local authority's own provision",
    "PR4": "SSDA903 placement provider: private provision",
    "U1": "SSDA903 placement: long-term foster placement with a relative or friend",
    "U4": "SSDA903 placement: long-term foster placement with another foster carer",
    "YES": "The SSDA903 care leaver value meaning the authority is in touch (IN_TOUCH)",
}

#: Capitalised tokens that are words or codes explained where they appear, not abbreviations.
NOT_ABBREVIATIONS = frozenset(
    {"A", "I", "N/A", "II", "UK", "AM", "PM"}
    | {f"S{n}" for n in range(2, 6)}
    | {f"PN{n}" for n in range(2, 7)}
)

_TOKEN = re.compile(r"(?<![\w-])([A-Z][A-Za-z]*[A-Z][A-Za-z0-9]*|[A-Z]+[0-9]+[A-Z0-9]*)(?![\w-])")


def tokens(text: str) -> set[str]:
    """Abbreviation-like tokens: two or more capitals (DfE, UASC), or capitals with digits (OC3)."""
    return {m.group(1) for m in _TOKEN.finditer(text)}


def used_in(texts: list[str]) -> list[tuple[str, str]]:
    """(abbreviation, meaning) for every known abbreviation in `texts`, alphabetically."""
    found = set().union(*(tokens(t) for t in texts if t)) if texts else set()
    return sorted(
        ((a, ABBREVIATIONS[a]) for a in found if a in ABBREVIATIONS), key=lambda p: p[0].lower()
    )


def unknown_in(texts: list[str]) -> list[str]:
    """Abbreviation-like tokens with no entry in the glossary (and not plain words)."""
    found = set().union(*(tokens(t) for t in texts if t)) if texts else set()
    return sorted(t for t in found if t not in ABBREVIATIONS and t not in NOT_ABBREVIATIONS)


def commentary_texts(params) -> list[str]:
    """The pack's commentary for the run's month, as written (for the glossary)."""
    folder = params.path(params.paths.commentary)
    if folder is None:
        return []
    month = folder / params.month
    if not month.is_dir():
        return []
    return [p.read_text(encoding="utf-8") for p in sorted(month.glob("*.md"))]
