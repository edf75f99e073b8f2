"""Build the bundled example (src/buurtscan/example/data) in the cache's own format.

    python scripts/make_example.py [/path/to/shared/data/real]

It runs buurtscan's own `fetch` against the fake CBS service (tests/fakecbs.py) serving the test
fixtures — which scripts/make_fixtures.py derived from the real published files in
../shared/data/real, including the Leefbaarometer scores of every buurt of Den Haag and
Barendrecht (leefbaarometer-6gemeenten/). So every number in the example is a real published
figure. It fetches the six gemeenten of those files (all sources, newest year, the older
Kerncijfers years for the series), Den Haag's 2019 table in full, and adds the national crime
totals per kind 2012–2023 (Politie table 47025NED) as the Nederland reference. Then it rewrites the
manifest so that the snapshot is honest about where it came from: each table names the published
files it was put together from (``note``), never a live retrieval, and file names are stable.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
import sys
import tempfile
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from buurtscan.cache import Cache, Part  # noqa: E402
from buurtscan.cache.files import file_facts  # noqa: E402
from buurtscan.catalogue import load  # noqa: E402
from buurtscan.actions.fetch import fetch  # noqa: E402
from buurtscan.provenance import Provenance, TableData  # noqa: E402
from buurtscan.settings import Settings  # noqa: E402
from buurtscan.sources.politie import kind_slug  # noqa: E402
from buurtscan.tidy import finish_tidy  # noqa: E402
from tests.fakecbs import DEFAULT_FIXTURES, FakeCBS  # noqa: E402

GEMEENTEN = ["GM0518", "GM0114", "GM0489", "GM0160", "GM1859", "GM0392"]
SNAPSHOT = "2026-12-02T00:00:00Z"  # the day this snapshot was put together from the real files
TARGET = ROOT / "src" / "buurtscan" / "example" / "data"
REAL = ROOT.parent / "shared" / "data" / "real"
POLITIE_NL = "politie-misdrijven-soorten/47025NED_NL01_jaarcijfers_2012-2023_alle_soorten.csv"
# Per table: the published files it was put together from (shown in the sources block instead of
# a retrieval date) and where the table is published.
NOTE = "samengesteld uit gepubliceerde bestanden"  # printed in the sources block instead of a date
FILES: dict[str, tuple[str, ...]] = {  # named in the manifest (`files`) and in show --json
    "cbs_kwb/85984NED": ("Kerncijfers_wijken_en_buurten_2024_geslachten.csv (StatLine-export 85984NED)",
                         "Kerncijfers_wijken_en_buurten_2024_11122025_141648.csv (StatLine-export 85984NED)",
                         "85984NED stripped_filtered_data_2024.json (8 kolommen, gemeenten en wijken)"),
    "cbs_kwb/85039NED": ("marginal_distributions_84583NED.csv (Den Haag, 22 kolommen; jaar 2021 en tabel afgeleid)",),
    "cbs_kwb/84583NED": ("marginal_distributions_TheHague_2019_84583NED.csv (download 84583NED, Den Haag)",),
    "politie/47018NED": ("data.csv (47018NED, totaal misdrijven per buurt 2023, zes gemeenten)",),
    "politie/47025NED": ("NL_Crime.csv (47025NED, Nederland 2012-2023; 0 gelezen als ontbrekend)",),
    "rivm/50090NED": ("RIVM_gezondheid2020_18+.xlsx (50090NED, 18 jaar en ouder)",),
    "nabijheid/85231NED": ("Nabijheid_voorzieningen_2021 StatLine-export (85231NED, kolom Nederland)",),
    "leefbaarometer/leefbaarometer-3.0": ("Leefbaarometer-scores buurten 2002-2024 (Den Haag en Barendrecht)",),
    # vergelijkbare buurten (issue 18): the national profile and the similar buurten's own rows
    "cbs_kwb_profile/85984NED": ("Kerncijfers_wijken_en_buurten_2024_geslachten.csv (StatLine-export 85984NED)",),
    "cbs_kwb_similar/85984NED": ("Kerncijfers_wijken_en_buurten_2024_geslachten.csv (StatLine-export 85984NED)",
                                 "Kerncijfers_wijken_en_buurten_2024_11122025_141648.csv (StatLine-export 85984NED)"),
    "rivm_similar/50090NED": ("RIVM_gezondheid2020_18+.xlsx (50090NED, 18 jaar en ouder; alle buurten van "
                              "Nederland, hier de vergelijkbare buurten van Den Haag en Berkelland)",),
}
STATLINE = {"cbs_kwb": "https://opendata.cbs.nl/statline/#/CBS/nl/dataset/{}",
            "nabijheid": "https://opendata.cbs.nl/statline/#/CBS/nl/dataset/{}",
            "politie": "https://data.politie.nl/#/Politie/nl/dataset/{}",
            "rivm": "https://statline.rivm.nl/#/RIVM/nl/dataset/{}",
            "leefbaarometer": "https://www.leefbaarometer.nl/",
            "cbs_kwb_profile": "https://opendata.cbs.nl/statline/#/CBS/nl/dataset/{}",
            "cbs_kwb_similar": "https://opendata.cbs.nl/statline/#/CBS/nl/dataset/{}",
            "rivm_similar": "https://statline.rivm.nl/#/RIVM/nl/dataset/{}"}

README = """# The bundled example

A small snapshot of **real published data** for six gemeenten — 's-Gravenhage (GM0518), Emmen
(GM0114), Barendrecht (GM0489), Hardenberg (GM0160), Berkelland (GM1859) and Haarlem (GM0392) —
in buurtscan's cache format (`manifest.json` + Parquet files), so that

    buurtscan render BU05183620 --example

renders the note for Moerwijk-Oost without any network.

How it was made: `python scripts/make_example.py` runs `buurtscan fetch` against the fake CBS
service of the test suite, serving the fixtures that `scripts/make_fixtures.py` derived from real
published files (see `tests/fixtures/README.md` for every file and what was transformed), plus
the Leefbaarometer scores of every buurt of Den Haag and Barendrecht. The figures are real; the
example was **put together from those published files, not downloaded from opendata.cbs.nl**.
Each table in `manifest.json` says so in its `note` ("samengesteld uit gepubliceerde bestanden",
which the sources block of a report prints instead of a retrieval date) and names the files in
`files` (also in `show --json`); `base_url` is the page where the table is published.

What it contains, and what it lacks (because the real files at hand lack it):
- CBS Kerncijfers wijken en buurten 2024 (85984NED): inwoners, geslacht, leeftijdsgroepen and
  herkomst for every region; bevolkingsdichtheid, woningvoorraad and oppervlakte for gemeenten
  and wijken only. Other 2024 topics are missing — as early in a real year.
- Kerncijfers 2021 (85039NED, year inferred; Den Haag, 20 topics: inwoners, leeftijd, herkomst,
  huishoudens) and 2019 (84583NED, Den Haag, all topics: housing, income, benefits, distances…):
  for Den Haag they fill what 2024 lacks, with their year, and give the series (2019, 2021, 2024).
  The 2021 file has no `Indelingswijziging`, so a series across 2021 → 2019 stops ("onbekend").
- Politie, geregistreerde misdrijven 2023 (47018NED): totals per buurt (no kinds, no
  wijk/gemeente/Nederland rows); and as the Nederland reference the national totals per kind
  2012–2023 (47025NED; counts published as 0 there are treated as missing).
- RIVM/CBS Gezondheid per wijk en buurt 2020 (50090NED), 18+.
- Nabijheid voorzieningen 2021 (85231NED): Nederland only.
- Leefbaarometer 3.0 scores 2002–2024 for every buurt of Den Haag and Barendrecht.

Licences: CBS open data CC BY 4.0 (source: CBS); Politie and RIVM tables are published through
CBS StatLine (CC BY 4.0 assumed, not separately verified); Leefbaarometer open data of the
Ministerie van BZK (licence not verified).
"""


def politie_nederland(real: Path) -> TableData:
    """National yearly totals per kind of crime (47025NED, NL01) for the kinds the catalogue asks.

    The file was written by a script that replaced missing counts by 0; a national count of 0
    is stored as missing (null, ``ontbreekt``), never as a figure."""
    wanted = {stem.partition(".")[2] for stem, _ in load().wanted("politie")}
    codes, inds, vals = [], [], []
    with (real / POLITIE_NL).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            kind = kind_slug(row["incident_type_code"])
            if kind not in wanted:
                continue
            count = float(row["incident_count"])
            codes.append(row["year"])
            inds.append(f"GeregistreerdeMisdrijven.{kind}")
            vals.append(count if count > 0 else None)
    frames = []
    for year in sorted(set(codes)):
        sel = [i for i, y in enumerate(codes) if y == year]
        frame = pl.DataFrame({"region_code": ["NL00"] * len(sel), "indicator": [inds[i] for i in sel],
                              "value": [vals[i] for i in sel], "unit": ["aantal"] * len(sel)},
                             schema_overrides={"value": pl.Float64})
        frames.append(finish_tidy(frame, period=year, source="politie", table_id="47025NED"))
    frame = pl.concat(frames)
    assert frame.filter((pl.col("period") == "2023") & (pl.col("indicator").str.ends_with("totaal_misdrijven"))
                        )["value"].to_list() == [802043.0]  # SOURCES.md check
    prov = Provenance("politie", "47025NED", "Geregistreerde misdrijven per soort misdrijf, Nederland",
                      "2023", "", "Politie / CBS", "CC BY 4.0 (CBS open data; not separately verified for the "
                      "Politie catalogue)", "https://dataderden.cbs.nl", "", SNAPSHOT)
    return TableData(prov, frame, ("NL00",))


def main() -> None:
    real = Path(sys.argv[1]) if len(sys.argv) > 1 else REAL
    if not (real / "SOURCES.md").is_file():
        raise SystemExit(f"{real} is not the real-data folder (no SOURCES.md); pass its path.")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(cache_dir=Path(tmp) / "cache", backoff=0.0)
        fake = FakeCBS(DEFAULT_FIXTURES)
        report = fetch(settings, gemeenten=GEMEENTEN, transport=fake.transport())
        for s in report.skipped:
            print(f"skipped (expected with these files): {s.source}: {s.reason}")
        fetch(settings, gemeenten=["GM0518"], year=2019, history=0, transport=fake.transport(),
              sources=["cbs_kwb"])
        cache = Cache(settings.cache_dir)
        cache.commit([politie_nederland(real)])
        manifest = cache.manifest()
        if TARGET.exists():
            shutil.rmtree(TARGET)
        (TARGET / "tables").mkdir(parents=True)
        (TARGET / "regions").mkdir(parents=True)
        for key, entry in list(manifest.tables.items()):
            if key not in FILES:  # e.g. a "national" profile of the 2019 fixture, which holds Den Haag only
                print(f"left out: {key} (not a table of the example)")
                del manifest.tables[key]
                continue
            rel = Path("tables") / f"{entry.source}-{entry.table_id}.parquet"
            shutil.copyfile(settings.cache_dir / entry.file, TARGET / rel)
            facts: dict[str, object] = {}
            counts: dict[str, int] | None = None
            if entry.source.endswith("_similar"):
                # the fixtures hold the RIVM rows of the similar buurten of Den Haag and Berkelland only:
                # the others' "missing" figures would be a claim about the real table, so they are left out
                rows = pl.read_parquet(TARGET / rel).filter(pl.col("value").is_not_null())
                rows.write_parquet(TARGET / rel, compression="zstd", compression_level=1, statistics=True)
                facts = {"rows": rows.height, **file_facts(TARGET / rel)}
                counts = dict(rows.group_by("period").len().iter_rows())
            manifest.tables[key] = dataclasses.replace(
                entry, **facts, file=rel.as_posix(), retrieved_at=SNAPSHOT, note=NOTE, files=FILES[key], request_url="",
                base_url=STATLINE[entry.source].format(entry.table_id),
                periods={p: {k: Part(SNAPSHOT, "", part.rows if counts is None else counts.get(p, 0))
                             for k, part in parts.items()}
                         for p, parts in entry.periods.items()},
            )
        for table_id, region in list(manifest.regions.items()):
            rel = Path("regions") / f"{table_id}.parquet"
            shutil.copyfile(settings.cache_dir / region.file, TARGET / rel)
            manifest.regions[table_id] = dataclasses.replace(region, file=rel.as_posix(), retrieved_at=SNAPSHOT)
        manifest.updated_at = SNAPSHOT
        data = {**manifest.to_dict(), "example": True}
        (TARGET / "manifest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        (TARGET / "README.md").write_text(README)
        (TARGET / ".readers.lock").touch()  # readers of a read-only install take their shared lock on it
    size = sum(p.stat().st_size for p in TARGET.rglob("*") if p.is_file())
    print(f"wrote {TARGET} ({size / 1024:.0f} KB)")


def add_similar_profile(target: Path = TARGET) -> None:
    """Add the national profile for vergelijkbare buurten (and the country's region list, for their
    names) to the example in ``target``, in the format of its manifest (issue 18).

    ``python scripts/make_example.py similar`` runs only this step on the committed example.
    It runs `fetch --similar` against the fake CBS service, so the figures are the real national rows
    of 85984NED (inwoners and leeftijdsgroepen of all 14,574 buurten; the other profile topics are
    missing in the real files at hand and so in the profile).
    """
    from buurtscan.similar import NAME

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(cache_dir=Path(tmp) / "cache", backoff=0.0)
        fetch(settings, similar=True, transport=FakeCBS().transport())
        made = json.loads((settings.cache_dir / "manifest.json").read_text(encoding="utf-8"))
        path = target / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        for key, entry in made["tables"].items():
            rel = Path("tables") / f"{entry['source']}-{entry['table_id']}.parquet"
            shutil.copyfile(settings.cache_dir / entry["file"], target / rel)
            periods = entry.pop("periods", None) or {}
            parts = {name: {**part, "retrieved_at": SNAPSHOT, "request_url": ""} for by in periods.values()
                     for name, part in by.items()}
            entry.update(file=rel.as_posix(), retrieved_at=SNAPSHOT, note=NOTE, request_url="",
                         files=["Kerncijfers_wijken_en_buurten_2024_geslachten.csv (StatLine-export 85984NED)"])
            if manifest.get("format") == 1:
                entry["parts"] = parts
            else:
                entry["periods"] = {p: {name: {**part, "retrieved_at": SNAPSHOT, "request_url": ""} for name, part in by.items()}
                                    for p, by in periods.items()}
            assert entry["source"] == NAME, key
            manifest["tables"][key] = entry
        for table_id, entry in made["regions"].items():  # the complete list replaces the six gemeenten'
            rel = Path("regions") / f"{table_id}.parquet"
            shutil.copyfile(settings.cache_dir / entry["file"], target / rel)
            manifest["regions"][table_id] = {**entry, "file": rel.as_posix(), "retrieved_at": SNAPSHOT}
        path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    readme = target / "README.md"
    if SIMILAR_NOTE not in readme.read_text(encoding="utf-8"):
        readme.write_text(readme.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + SIMILAR_NOTE)


def add_similar_matches(target: Path = TARGET) -> None:
    """Keep the similar buurten of every buurt of the six gemeenten in the example, as a fetch keeps
    them (``derived/similar-85984NED.json``, stamped with the profile's file): a note of the
    example then reads them instead of searching the national profile. The same library code
    as `fetch` (:func:`buurtscan.actions.similar_rows.find_matches`) on the example's profile.
    ``python scripts/make_example.py matches`` runs only this step on the committed example."""
    from buurtscan.actions.batch import cached_gemeenten
    from buurtscan.actions.similar_rows import find_matches
    from buurtscan.similar import DEFAULT_K, NAME, build_profile

    cache = Cache(target)
    lock = target / ".lock"
    had_lock = lock.exists()
    for entry in [e for e in cache.manifest().tables.values() if e.source == NAME]:
        frame = cache.scan(source=NAME).filter(pl.col("table_id") == entry.table_id).collect()
        profile = build_profile(frame, entry.table_id)
        assert profile is not None, entry.table_id
        found, keep = find_matches(profile, cached_gemeenten(cache), DEFAULT_K, cache, None)
        cache.store_derived([dataclasses.replace(keep, made_from=entry.file)])
        print(f"kept the similar buurten of {len(found.matches)} buurten ({entry.table_id})")
    if not had_lock:
        lock.unlink(missing_ok=True)
    readme = target / "README.md"
    if MATCHES_NOTE not in readme.read_text(encoding="utf-8"):
        readme.write_text(readme.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + MATCHES_NOTE)


MATCHES_NOTE = """The vergelijkbare buurten of every buurt of the six gemeenten are kept in
`derived/similar-85984NED.json`, as `fetch` keeps them: found in the national profile above by
the library's own rule (`buurtscan.similar.find`, k = 10) and stamped with the profile file's
name and SHA-256, so that a note reads them instead of searching the profile again. Derived, not
published: written by `add_similar_matches()` in scripts/make_example.py
(`python scripts/make_example.py matches`).
"""


SIMILAR_NOTE = """Vergelijkbare buurten: `tables/cbs_kwb_profile-85984NED.parquet` holds the national profile
(85984NED, every buurt of Nederland: inwoners and leeftijdsgroepen, the other profile topics are
missing in the real files at hand) and `regions/85984NED.parquet` the country's complete region
list, so that `buurtscan show BU05183620 --example` names buurten elsewhere. Added by
`add_similar_profile()` in scripts/make_example.py (`python scripts/make_example.py similar`).
The own rows of the vergelijkbare buurten (`fetch` reads them by buurtcode) are in
`tables/cbs_kwb_similar-85984NED.parquet` (Kerncijfers 2024, the columns the six gemeenten have
buurt figures for) and `tables/rivm_similar-50090NED.parquet` (RIVM 2020, 18+, from the national
file `RIVM_gezondheid2020_18+.xlsx`; only for the similar buurten of the buurten of Den Haag and
Berkelland, to keep the example small), so that the "vergelijkbare buurten" median of the
health indicators of Moerwijk-Oost comes from real rows.
"""


if __name__ == "__main__":
    if sys.argv[1:] == ["similar"]:
        add_similar_profile()
        add_similar_matches()
    elif sys.argv[1:] == ["matches"]:
        add_similar_matches()
    else:
        main()
        add_similar_profile()
        add_similar_matches()
