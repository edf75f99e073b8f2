"""Build the bundled example (src/buurtscan/example/data) in the cache's own format.

    python scripts/make_example.py

It runs buurtscan's own `fetch` against the fake CBS service (tests/fakecbs.py), which
serves the fixtures that scripts/make_fixtures.py derived from the real published files
in ../shared/data/real — so every number in the example is a real published figure. It
fetches the six gemeenten of those files (all sources, newest year) plus Den Haag's 2019
KWB table, then rewrites the manifest so that the snapshot is honest about where it came
from (no live retrieval date) and its file names are stable.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from buurtscan.cache import Cache  # noqa: E402
from buurtscan.fetching import fetch  # noqa: E402
from buurtscan.settings import Settings  # noqa: E402
from tests.fakecbs import FakeCBS  # noqa: E402

GEMEENTEN = ["GM0518", "GM0114", "GM0489", "GM0160", "GM1859", "GM0392"]
SNAPSHOT = "2026-11-27T00:00:00Z"  # the day this snapshot was built from the real files
TARGET = ROOT / "src" / "buurtscan" / "example" / "data"
NOTE = ("Voorbeeldsnapshot: cijfers uit gepubliceerde bestanden van CBS/Politie/RIVM/BZK "
        "(zie buurtscan/example/data/README.md), niet live opgehaald.")

README = """# The bundled example

A small snapshot of **real published data** for six gemeenten — 's-Gravenhage (GM0518), Emmen
(GM0114), Barendrecht (GM0489), Hardenberg (GM0160), Berkelland (GM1859) and Haarlem (GM0392) —
in buurtscan's cache format (`manifest.json` + Parquet files), so that

    buurtscan render BU05183620 --example

renders the note for Moerwijk-Oost without any network.

How it was made: `python scripts/make_example.py` runs `buurtscan fetch` against the fake CBS
service of the test suite, which serves the fixtures that `scripts/make_fixtures.py` derived
from real files (see `tests/fixtures/README.md` for every file and what was transformed). The
figures are therefore real; what is *not* real is the retrieval: the manifest's `retrieved_at`
is the day the snapshot was built and each table carries a note saying so.

What it contains, and what it lacks (because the real files at hand lack it):
- CBS Kerncijfers wijken en buurten 2024 (85984NED): inwoners, geslacht, leeftijdsgroepen and
  herkomst for every region; bevolkingsdichtheid, woningvoorraad and oppervlakte for gemeenten
  and wijken only. Other 2024 topics are missing (shown as "niet beschikbaar").
- CBS Kerncijfers wijken en buurten 2019 (84583NED), Den Haag only, all topics (housing,
  income, benefits, distances…): for Den Haag these older figures fill the gaps, with their year.
- Politie, geregistreerde misdrijven 2023 (47018NED): totals per buurt (no kinds, no
  wijk/gemeente/Nederland rows).
- RIVM/CBS Gezondheid per wijk en buurt 2020 (50090NED), 18+.
- Nabijheid voorzieningen 2021 (85231NED): Nederland only.
- Leefbaarometer 3.0 scores 2002–2024 for the four Moerwijk buurten only.

Licences: CBS open data CC BY 4.0 (source: CBS); Politie and RIVM tables are published through
CBS StatLine (CC BY 4.0 assumed, not separately verified); Leefbaarometer open data of the
Ministerie van BZK (licence not verified).
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(cache_dir=Path(tmp) / "cache", backoff=0.0)
        fake = FakeCBS()
        report = fetch(settings, gemeenten=GEMEENTEN, transport=fake.transport())
        for s in report.skipped:
            print(f"skipped (expected with these files): {s.source}: {s.reason}")
        fetch(settings, gemeenten=["GM0518"], year=2019, transport=fake.transport(), sources=["cbs_kwb"])
        cache = Cache(settings.cache_dir)
        manifest = cache.manifest()
        if TARGET.exists():
            shutil.rmtree(TARGET)
        (TARGET / "tables").mkdir(parents=True)
        (TARGET / "regions").mkdir(parents=True)
        for entry in manifest["tables"].values():
            rel = Path("tables") / f"{entry['source']}-{entry['table_id']}.parquet"
            shutil.copyfile(settings.cache_dir / entry["file"], TARGET / rel)
            entry["file"] = rel.as_posix()
            entry["retrieved_at"] = SNAPSHOT
            entry["note"] = NOTE
            for part in entry.get("parts", {}).values():
                part["retrieved_at"] = SNAPSHOT
        for table_id, entry in manifest["regions"].items():
            rel = Path("regions") / f"{table_id}.parquet"
            shutil.copyfile(settings.cache_dir / entry["file"], TARGET / rel)
            entry["file"] = rel.as_posix()
            entry["retrieved_at"] = SNAPSHOT
        manifest["updated_at"] = SNAPSHOT
        manifest["example"] = True
        (TARGET / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        (TARGET / "README.md").write_text(README)
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
            parts = {name: {**part, "retrieved_at": SNAPSHOT} for by in periods.values() for name, part in by.items()}
            entry.update(file=rel.as_posix(), retrieved_at=SNAPSHOT, note=NOTE)
            if manifest.get("format") == 1:
                entry["parts"] = parts
            else:
                entry["periods"] = {p: {name: {**part, "retrieved_at": SNAPSHOT} for name, part in by.items()}
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


SIMILAR_NOTE = """Vergelijkbare buurten: `tables/cbs_kwb_profile-85984NED.parquet` holds the national profile
(85984NED, every buurt of Nederland: inwoners and leeftijdsgroepen, the other profile topics are
missing in the real files at hand) and `regions/85984NED.parquet` the country's complete region
list, so that `buurtscan show BU05183620 --example` names buurten elsewhere. Added by
`add_similar_profile()` in scripts/make_example.py (`python scripts/make_example.py similar`).
"""


if __name__ == "__main__":
    if sys.argv[1:] == ["similar"]:
        add_similar_profile()
    else:
        main()
        add_similar_profile()
