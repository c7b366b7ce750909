"""How the pack's published values relate to the IRO report's (docs/disclosure.md).

Every computed indicator function names the children it counts as a population key of
pipeline.disclosure.relations: a count is a cell; a percentage bounds its numerator against
its denominator (to the published decimals), a rate against the 0-17 population. Yes/no
splits are complete, so "in care but not fostered" is an implied cell that must not be a
small number either. The numerator and denominator published beside a percentage are
cells of those keys. Means (days, SDQ score) count nothing and link nothing.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.disclosure.relations import Cell, Link, Ratio, key

IN_CARE = "in care"
YES_NO = ("yes", "no")
REASONS = ("returned home", "adopted", "special guardianship", "other")

# function -> (kind, numerator (population, dims), denominator (population, dims) or None)
# kinds: count (the value is the count), pct (value = 100 num/den), rate (per 10,000 of the
# 0-17 population), mean (no count relation)
IC, NON_UASC = (IN_CARE, {}), (IN_CARE, {"uasc": "no"})


def _pct(flag: str, den=IC):
    p, d = den
    return ("pct", (p, {**d, flag: "yes"}), den)


LINKS: dict[str, tuple] = {
    "cic_count": ("count", IC, None),
    "uasc_count": ("count", (IN_CARE, {"uasc": "yes"}), None),
    "uasc_pct": ("pct", (IN_CARE, {"uasc": "yes"}), IC),
    "cic_rate": ("rate", IC, None),
    "cic_rate_excl_uasc": ("rate", NON_UASC, None),
    "started_count": ("count", ("children starting", {}), None),
    "started_excl_uasc_count": ("count", ("children starting", {"uasc_at_start": "no"}), None),
    "ceased_count": ("count", ("children leaving", {}), None),
    "placed_with_parents_count": ("count", (IN_CARE, {"placement": "P1"}), None),
    "unregulated_count": ("count", (IN_CARE, {"unregulated": "yes"}), None),
    "unregulated_excl_uasc_count": ("count", (IN_CARE, {"uasc": "no", "unregulated": "yes"}), None),
    "in_house_mainstream_fostering_count": (
        "count",
        (IN_CARE, {"in_house_mainstream": "yes"}),
        None,
    ),
    "in_house_connected_fostering_count": ("count", (IN_CARE, {"in_house_connected": "yes"}), None),
    "foster_pct": _pct("foster"),
    "foster_excl_uasc_pct": _pct("foster", NON_UASC),
    "private_provision_pct": _pct("private_provider"),
    "private_provision_excl_uasc_pct": _pct("private_provider", NON_UASC),
    "long_term_fostering_pct": _pct("long_term_foster"),
    "long_term_fostering_excl_uasc_pct": _pct("long_term_foster", NON_UASC),
    "placements_3plus_pct": _pct("placements_3plus"),
    "placements_3plus_excl_uasc_pct": _pct("placements_3plus", NON_UASC),
    "long_term_stability_pct": _pct("same_placement_2y", ("in care 2.5 years, under 16", {})),
    "immunisations_pct": _pct("immunised", ("in care 12 months with OC2", {})),
    "dental_check_pct": _pct("teeth_checked", ("in care 12 months with OC2", {})),
    "health_assessment_pct": _pct("health_assessed", ("in care 12 months with OC2", {})),
    "sdq_completed_pct": _pct("sdq_recorded", ("in care 12 months with OC2, aged 4-16", {})),
    "missing_more_than_one_6m_pct": _pct("missing_2plus", ("in care in the 6 months to", {})),
    "missing_any_12m_pct": _pct("missing_any", ("in care in the 12 months to", {})),
    "care_leavers_in_touch_pct": _pct("in_touch", ("care leavers aged 19-21", {})),
    "care_leavers_suitable_pct": _pct("suitable", ("care leavers aged 19-21", {})),
    "care_leavers_eet_pct": _pct("eet", ("care leavers aged 19-21", {})),
    "care_leavers_eet_oc3_pct": _pct("eet", ("care leavers aged 19-21", {})),
    "permanence_returned_home_pct": (
        "pct",
        ("children leaving in the 6 months to", {"reason": "returned home"}),
        ("children leaving in the 6 months to", {}),
    ),
    "permanence_adoption_pct": (
        "pct",
        ("children leaving in the 6 months to", {"reason": "adopted"}),
        ("children leaving in the 6 months to", {}),
    ),
    "permanence_sgo_pct": (
        "pct",
        ("children leaving in the 6 months to", {"reason": "special guardianship"}),
        ("children leaving in the 6 months to", {}),
    ),
    "adopted_12m_count": ("count", ("children adopted in the 12 months to", {}), None),
    "iro_escalations_informal_count": (
        "count",
        ("escalations raised", {"stage": "Informal"}),
        None,
    ),
    "iro_escalations_formal_count": (
        "count",
        ("escalations raised", {"stage": "Formal (stages 1-5)"}),
        None,
    ),
    "iro_escalations_closed_count": ("count", ("escalations resolved or closed", {}), None),
}
FLOW_POPULATIONS = {"children starting", "children leaving", "escalations raised"}
COMPLETE = {
    "uasc": YES_NO,
    "uasc_at_start": YES_NO,
    "unregulated": YES_NO,
    "reason": REASONS,
    **{
        f: YES_NO
        for f in (
            "foster",
            "private_provider",
            "long_term_foster",
            "placements_3plus",
            "same_placement_2y",
            "immunised",
            "teeth_checked",
            "health_assessed",
            "sdq_recorded",
            "missing_2plus",
            "missing_any",
            "in_touch",
            "suitable",
            "eet",
            "in_house_mainstream",
            "in_house_connected",
        )
    },
}


def _month_key(spec: tuple[str, dict], month: str):
    pop, dims = spec
    y, m = (int(x) for x in month.split("-"))
    end = dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
    when = {"period": month} if pop in FLOW_POPULATIONS else {"date": end}
    return key(pop, **when, **dims)


def provider(catalogue, population: int | None):
    """Cells, ratios and complete splits of the pack's values table (pub_pack_values)."""
    info = {i.id: i for i in catalogue.indicators}

    def cells_of(report: str, table: str, df: pl.DataFrame, params):
        cells, ratios, keys = [], [], []
        for n, row in enumerate(df.iter_rows(named=True)):
            ind = info.get(row["indicator_id"])
            if ind is None:
                continue
            suppressed = bool(row["is_value_suppressed"])
            value = row["value"]
            if value is None and not suppressed:
                continue
            label = f"indicator_id={ind.id}, month={row['month']}"
            if not ind.is_computed:
                if ind.unit == "No." and ind.suppress_small:  # a supplied count of children
                    k = key(f"supplied: {ind.id}", period=row["month"])
                    cells.append(
                        Cell(
                            report, table, n, "value", k, value, suppressed, label, int(suppressed)
                        )
                    )
                continue
            kind, num, den = LINKS.get(ind.function, ("mean", None, None))
            if kind == "count":
                k = _month_key(num, row["month"])
                cells.append(
                    Cell(report, table, n, "value", k, value, suppressed, label, int(suppressed))
                )
                keys.append(k)
            elif kind in ("pct", "rate") and not suppressed:
                half = 0.5 * 10.0 ** (-(ind.decimals if ind.decimals is not None else 2))
                scale = 100.0 if kind == "pct" else 10_000.0
                nk = _month_key(num, row["month"])
                dk = _month_key(den, row["month"]) if kind == "pct" else None
                if kind == "rate" and not population:
                    continue
                ratios.append(
                    Ratio(
                        report,
                        table,
                        n,
                        "value",
                        nk,
                        dk,
                        float(population) if kind == "rate" else None,
                        max(0.0, (value - half) / scale),
                        (value + half) / scale,
                    )
                )
                keys.append(nk)
                if dk is not None:
                    keys.append(dk)
                # "321 / 337" beside a percentage: its numerator and denominator are counts
                for col, k in (("numerator_count", nk), ("denominator_count", dk)):
                    shown = row.get(col)
                    if kind == "pct" and k is not None and shown is not None:
                        cells.append(
                            Cell(report, table, n, col, k, float(shown), False, f"{label}, {col}")
                        )
        dims = {d: pl.lit(None) for d in COMPLETE}
        groups = [(Link("value", "", dims, complete=COMPLETE), keys)]
        return cells, ratios, groups

    return cells_of
