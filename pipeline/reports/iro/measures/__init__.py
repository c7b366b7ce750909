"""Measures of the IRO annual report: each module registers its out_ tables."""

#: The report section each measure module's figures appear in (the definitions appendix
#: is grouped by these, in this order).
SECTIONS: dict[str, str] = {
    "profile": "Profile of children in care",
    "history": "Profile of children in care",
    "reviews": "Performance of the service",
    "participation": "Voice and participation of children",
    "contact": "Voice and participation of children",
    "escalations": "Dispute resolution",
}


def definitions_by_section(omit: list[str] | tuple[str, ...] = ()) -> list[dict[str, str]]:
    """The IRO report's figures as a reader looks them up: section, title and definition,
    in the report's order (no table names; a measure in an unmapped module is an error).
    `omit`: headings left out of the report (`report.omit_sections`), whose figures go too."""
    from pipeline.measures import load_all
    from pipeline.publish.render.draft import slug

    order = list(dict.fromkeys(SECTIONS.values()))
    rows = []
    for m in load_all().values():
        module = m.func.__module__
        if not module.startswith(__name__ + "."):
            continue  # another report's measure
        section = SECTIONS[module.rsplit(".", 1)[1]]
        if {m.section, slug(section)} & set(omit):
            continue
        rows.append({"section": section, "title": m.title, "definition": m.definition})
    return sorted(rows, key=lambda r: order.index(r["section"]))
