"""The indicator catalogue as data: domains, indicators, labels, units, direction, derivation.

The catalogue lives in ``indicators.toml`` next to this module (shipped in the wheel);
``load(path)`` reads another file with the same format. Its header documents every field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import UsageError

DEFAULT_PATH = Path(__file__).with_name("indicators.toml")

DIRECTIONS = ("higher_better", "higher_worse", "neutral")
DERIVATIONS = (
    "value",
    "share_of_inwoners",
    "share_of_huishoudens",
    "share_of_woningen",
    "per_1000_inwoners",
    "share_of_sum",
    "sum",
)
# KWB stems the derivations divide by.
DENOMINATORS = {
    "share_of_inwoners": "AantalInwoners",
    "per_1000_inwoners": "AantalInwoners",
    "share_of_huishoudens": "HuishoudensTotaal",
    "share_of_woningen": "Woningvoorraad",
}
ALWAYS_KWB = ("AantalInwoners", "HuishoudensTotaal", "Woningvoorraad", "Indelingswijziging")


@dataclass(frozen=True)
class Domain:
    id: str
    title: str
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicator:
    id: str
    domain: str
    label: str
    source: str
    stem: str
    unit: str
    decimals: int
    direction: str
    derive: str = "value"
    group: str | None = None
    alt: tuple[str, ...] = ()
    of: tuple[str, ...] = ()
    then: str | None = None
    chart: str | None = None
    key: bool = False
    comparable: bool = True  # false for sizes (inwoners, woningen): ranked, but no signal
    phrase: str | None = None  # subject of a sentence: "het aandeel corporatiewoningen"
    of_alt: tuple[str, ...] = ()  # the stems of `of` in the table years that use the `alt` names
    descriptive: bool = False  # describes the make-up of the buurt (herkomst, dichtheid): no valence
    summary: bool | None = None  # may appear in "Wat valt op" (default: unless descriptive)
    estimate: bool = False  # a model estimate (RIVM): the report says "schatting"
    nederland: float | None = None  # the Nederland value by definition (Leefbaarometer dimensions: 0)
    label_short: str | None = None  # the name in a list ("opleidingsniveau"); default: the label

    @property
    def in_summary(self) -> bool:
        """Whether a signal of this indicator may stand in "Wat valt op"."""
        return (not self.descriptive) if self.summary is None else self.summary

    @property
    def stems(self) -> tuple[str, ...]:
        """The stem and its alternatives for other table years, in order of preference."""
        return (self.stem, *self.alt)


@dataclass(frozen=True)
class Catalogue:
    domains: tuple[Domain, ...]
    indicators: tuple[Indicator, ...]
    path: Path = field(default=DEFAULT_PATH)

    def domain(self, domain_id: str) -> Domain:
        for d in self.domains:
            if d.id == domain_id:
                return d
        raise KeyError(domain_id)

    def in_domain(self, domain_id: str) -> list[Indicator]:
        return [i for i in self.indicators if i.domain == domain_id]

    def get(self, indicator_id: str) -> Indicator:
        for i in self.indicators:
            if i.id == indicator_id:
                return i
        raise KeyError(indicator_id)

    def wanted(self, source: str) -> list[tuple[str, str | None]]:
        """(stem, group) pairs a source must deliver for this catalogue (incl. denominators)."""
        out: list[tuple[str, str | None]] = []

        def add(stem: str, group: str | None = None) -> None:
            if (stem, group) not in out:
                out.append((stem, group))

        for ind in self.indicators:
            if ind.source == source:
                for stem in ind.stems:
                    add(stem, ind.group)
                for stem in (*ind.of, *ind.of_alt):
                    add(stem)
            if source == "cbs_kwb":
                for deriv in (ind.derive, ind.then):
                    if deriv in DENOMINATORS:
                        add(DENOMINATORS[deriv])
        if source == "cbs_kwb":
            for stem in ALWAYS_KWB:
                add(stem)
        return out


def _fail(path: Path, where: str, problem: str) -> UsageError:
    return UsageError(f"{path}: {where}: {problem}.", tip="Fix the catalogue file; its header documents every field.")


@lru_cache(maxsize=8)
def load(path: Path | None = None) -> Catalogue:
    """Read and validate a catalogue file (default: the packaged one)."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"The catalogue {path} cannot be read ({exc.strerror}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"The catalogue {path} is not valid TOML ({exc}).") from None
    domains = []
    for i, raw in enumerate(data.get("domains", []), start=1):
        if not raw.get("id") or not raw.get("title"):
            raise _fail(path, f"domain #{i}", "needs an id and a title")
        domains.append(Domain(raw["id"], raw["title"], tuple(raw.get("questions", ()))))
    domain_ids = {d.id for d in domains}
    if len(domain_ids) != len(domains):
        raise _fail(path, "domains", "domain ids must be unique")
    indicators = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("indicators", []), start=1):
        where = f"indicator '{raw.get('id', f'#{i}')}'"
        missing = [k for k in ("id", "domain", "label", "source", "stem", "unit") if not raw.get(k)]
        if missing:
            raise _fail(path, where, f"missing {', '.join(missing)}")
        if raw["id"] in seen:
            raise _fail(path, where, "the id is used twice")
        seen.add(raw["id"])
        if raw["domain"] not in domain_ids:
            raise _fail(path, where, f"unknown domain '{raw['domain']}' (known: {', '.join(sorted(domain_ids))})")
        direction = raw.get("direction", "neutral")
        if direction not in DIRECTIONS:
            raise _fail(path, where, f"direction must be one of {', '.join(DIRECTIONS)}")
        derive = raw.get("derive", "value")
        if derive not in DERIVATIONS:
            raise _fail(path, where, f"derive must be one of {', '.join(DERIVATIONS)}")
        then = raw.get("then")
        if then is not None and then not in DERIVATIONS:
            raise _fail(path, where, f"then must be one of {', '.join(DERIVATIONS)}")
        if raw.get("of_alt") and len(raw["of_alt"]) != len(raw.get("of", ())):
            raise _fail(path, where, "`of_alt` needs as many stems as `of`")
        if derive in ("share_of_sum", "sum") and not raw.get("of"):
            raise _fail(path, where, f"derive = '{derive}' needs `of`, the list of stems")
        indicators.append(
            Indicator(
                id=raw["id"],
                domain=raw["domain"],
                label=raw["label"],
                source=raw["source"],
                stem=raw["stem"],
                unit=raw["unit"],
                decimals=int(raw.get("decimals", 0)),
                direction=direction,
                derive=derive,
                group=raw.get("group"),
                alt=tuple(raw.get("alt", ())),
                of=tuple(raw.get("of", ())),
                then=then,
                chart=raw.get("chart"),
                key=bool(raw.get("key", False)),
                comparable=bool(raw.get("comparable", True)),
                phrase=raw.get("phrase"),
                of_alt=tuple(raw.get("of_alt", ())),
                descriptive=bool(raw.get("descriptive", False)),
                summary=None if raw.get("summary") is None else bool(raw["summary"]),
                estimate=bool(raw.get("estimate", raw["source"] == "rivm")),
                nederland=None if raw.get("nederland") is None else float(raw["nederland"]),
                label_short=raw.get("label_short"),
            )
        )
    return Catalogue(tuple(domains), tuple(indicators), path)
