"""`buurtscan overview`: every buurt of a gemeente (or wijk) against the eight domains.

Bouwsteen 1 of a buurtagenda is "Zoek de urgentie". This module turns the scans of all
cached buurten of one gemeente (or wijk) into a pure table model (:class:`Overview`): one row
per buurt, one :class:`Cell` per domain, sorted by an urgency score. Renderers
(``report/overview_html.py``, ``overview_pdf.py``, ``overview_xlsx.py``) only lay it out.

The signals come from the scan (``compare.signal``) through one small adapter,
:func:`signal_of`, which returns a signal's valence and strength; nothing else here looks
inside the comparison.

Rules (also in the leeswijzer of every overview and in docs/overview.md):

* **Points.** Each *ongunstig* signal of a buurt counts :data:`POINT` point, a strong one
  (strength ≥ :data:`STRONG`, i.e. at least twice the step that makes a signal)
  :data:`STRONG_POINT` points; *gunstig* signals count the same with the opposite sign.
  *Opvallend* signals (neutral or descriptive indicators) count nothing.
* **Cell.** Per domain the points are added up (gunstig − ongunstig): ≤ −3 *sterk ongunstig*,
  −1 or −2 *ongunstig*, 0 *gemengd* (signals both ways) or *geen signaal*, +1 or +2 *gunstig*,
  ≥ 3 *sterk gunstig*; *geen cijfers* when the buurt has no figure in the domain. The cell's
  figure is the strongest signal in the direction of the balance (for gemengd/geen signaal:
  the strongest ongunstig one, else none).
* **Urgency score.** The sum of the ongunstig points over all domains (favourable signals do
  not cancel a problem elsewhere). No score for a buurt with fewer than
  :data:`MIN_POPULATION` inwoners (or none known): its figures are too unstable.
* **Order.** Score high to low; ties by the number of domains that are (sterk) ongunstig, then
  the number of strong ongunstig signals, then more inwoners, then the buurtcode. Buurten
  without a score come last, by code.
* **Partner data** only where the partner covered the whole gemeente (as for ranks).
* **Completeness.** Of the catalogue indicators, how many have a figure for the buurt.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .cache import Cache
from .errors import UsageError
from .regions import parse_code
from .report.formatting import figure as format_figure
from .scan import GemeenteData, IndicatorResult, Scan

POINT = 1
STRONG_POINT = 2
STRONG = 2.0  # strength (in steps of the unit) from which a signal counts as strong
MIN_POPULATION = 200
INWONERS = "inwoners"
LEEFBAARHEID = "leefbaarheid"  # the Leefbaarometer total score in the catalogue
GENERAL = "algemeen"  # the chapter Algemene gegevens: no column of its own

BALANCES = ("sterk ongunstig", "ongunstig", "gemengd", "geen signaal", "gunstig", "sterk gunstig", "geen cijfers")
SYMBOLS = {"sterk ongunstig": "▼▼", "ongunstig": "▼", "gemengd": "▼▲", "geen signaal": "·",
           "gunstig": "▲", "sterk gunstig": "▲▲", "geen cijfers": "–"}
LEVELS = {"sterk ongunstig": -2, "ongunstig": -1, "gemengd": 0, "geen signaal": 0, "gunstig": 1,
          "sterk gunstig": 2, "geen cijfers": None}

# Copied from compare (i13): the step of a unit, for scans whose signals carry no strength yet.
_PERCENTAGE_POINTS, _SCORE_POINTS, _RATIO = 3.0, 0.10, 1.25


# ------------------------------------------------------------------------------- the adapter
def _steps(value: float, ref: float, unit: str) -> float:
    if unit == "%":
        return abs(value - ref) / _PERCENTAGE_POINTS
    if unit in ("score", "afwijking"):
        return abs(value - ref) / _SCORE_POINTS
    if value <= 0 or ref <= 0:
        return 1.0
    return abs(math.log(value / ref)) / math.log(_RATIO)


def signal_of(ind: IndicatorResult) -> tuple[str, float] | None:
    """(valence, strength) of an indicator's signal for the buurt, or None.

    The only place that reads ``compare.Signal``: ``strength`` when the signal carries one
    (in steps of its unit, 1 = just a signal), else the same measure computed here from the
    values against the references the signal used.
    """
    sig = ind.signal
    if sig is None or sig.valence not in ("gunstig", "ongunstig"):
        return None
    strength = getattr(sig, "strength", None)
    if strength is None:
        own = ind.values.get("buurt")
        refs = [ind.values.get(r) for r in sig.references]
        steps = [_steps(own, r, ind.unit) for r in refs if own is not None and r is not None]
        strength = max(1.0, min(steps)) if steps else 1.0
    return sig.valence, round(float(strength), 2)  # as `show --json` prints it, so both agree on 'strong'


def leefbaarometer_words(ind: IndicatorResult | None) -> str | None:
    """The Leefbaarometer total score in words (the scan's ``klasse`` where it gives one)."""
    if ind is None:
        return None
    words = getattr(ind, "klasse", None)
    if words:
        return words
    own, nl = ind.values.get("buurt"), ind.values.get("nederland")
    if own is None or nl is None:
        return None
    afw = own - nl
    if afw >= 0.30:
        return "ruim boven het Nederlandse gemiddelde"
    if afw >= 0.10:
        return "boven het Nederlandse gemiddelde"
    if afw > -0.10:
        return "rond het Nederlandse gemiddelde"
    if afw > -0.30:
        return "onder het Nederlandse gemiddelde"
    return "ruim onder het Nederlandse gemiddelde"


# ------------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class Strongest:
    """The one figure a cell shows."""

    indicator: str
    label: str
    value: float | None
    unit: str
    decimals: int
    text: str  # "12,3%" (Dutch notation)
    reference: str  # "gemeente 8,1%"
    valence: str
    strength: float
    period: str | None


@dataclass(frozen=True)
class Cell:
    domain: str
    balance: str  # one of BALANCES
    level: int | None  # −2 … 2, None = geen cijfers
    unfavourable: int  # number of ongunstig signals
    favourable: int
    strong_unfavourable: int
    points: int  # ongunstig points (for the urgency score)
    figure: Strongest | None

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.balance]


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    wijk_code: str | None
    wijk_name: str | None
    inwoners: float | None
    score: int | None  # None: too few inwoners
    no_score: str | None  # why there is no score
    leefbaarometer: str | None  # words
    leefbaarometer_score: float | None
    figures: int  # indicators with a figure for the buurt
    indicators: int  # indicators considered
    cells: tuple[Cell, ...]
    unfavourable_domains: int
    strong_signals: int
    position: int = 0  # 1 = first in the order

    @property
    def completeness(self) -> float:
        return self.figures / self.indicators if self.indicators else 0.0


@dataclass(frozen=True)
class Domain:
    id: str
    title: str


@dataclass(frozen=True)
class Overview:
    code: str  # GM0518 or WK051836
    name: str
    level: str  # gemeente | wijk
    gemeente_code: str
    gemeente_name: str
    generated_at: str
    domains: tuple[Domain, ...]
    rows: tuple[Row, ...]
    sources: tuple[dict[str, Any], ...]
    figures: tuple[dict[str, Any], ...]  # every figure in long form (for the spreadsheet)
    min_population: int
    attribution: str
    leeswijzer: tuple[str, ...]

    @property
    def title(self) -> str:
        from .report.build import place_name

        return f"Buurtoverzicht {place_name(self.name)}"

    def as_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("rows", "figures", "domains")}
        d["domains"] = [asdict(x) for x in self.domains]
        d["rows"] = [asdict(r) for r in self.rows]
        d["figures"] = [dict(f) for f in self.figures]
        d["sources"] = [dict(s) for s in self.sources]
        d["leeswijzer"] = list(self.leeswijzer)
        for row, r in zip(d["rows"], self.rows, strict=True):
            row["completeness"] = round(r.completeness, 4)
            for cell, c in zip(row["cells"], r.cells, strict=True):
                cell["symbol"] = c.symbol
        d["title"] = self.title
        return d


def score_of(cells: Sequence[Cell]) -> int:
    """The urgency score: the ongunstig points over all domains."""
    return sum(c.points for c in cells)


def sort_key(row: Row) -> tuple[Any, ...]:
    """The documented order (see the module docstring)."""
    if row.score is None:
        return (1, 0, 0, 0, 0, row.code)
    return (0, -row.score, -row.unfavourable_domains, -row.strong_signals, -(row.inwoners or 0), row.code)


def _balance(points: int, any_signal: bool, any_figure: bool) -> str:
    if not any_figure:
        return "geen cijfers"
    if points <= -3:
        return "sterk ongunstig"
    if points < 0:
        return "ongunstig"
    if points >= 3:
        return "sterk gunstig"
    if points > 0:
        return "gunstig"
    return "gemengd" if any_signal else "geen signaal"


def _strongest(ind: IndicatorResult, valence: str, strength: float) -> Strongest:
    value = ind.values.get("buurt")
    refs = ind.signal.references if ind.signal else ()
    ref = next((r for r in ("gemeente", "nederland") if r in refs), None)
    ref_text = ""
    if ref is not None:
        ref_text = ("NL " if ref == "nederland" else "gem. ") + format_figure(
            ind.values.get(ref), ind.decimals, ind.unit)
    return Strongest(ind.id, ind.label, value, ind.unit, ind.decimals,
                     format_figure(value, ind.decimals, ind.unit, status=ind.statuses.get("buurt", "ok")),
                     ref_text, valence, round(strength, 2), ind.period)


def cell_for(domain: str, indicators: Sequence[IndicatorResult]) -> Cell:
    signals = [(ind, *s) for ind in indicators if (s := signal_of(ind))]
    bad = [(i, st) for i, v, st in signals if v == "ongunstig"]
    good = [(i, st) for i, v, st in signals if v == "gunstig"]
    weight = lambda st: STRONG_POINT if st >= STRONG else POINT
    minus = sum(weight(st) for _, st in bad)
    plus = sum(weight(st) for _, st in good)
    any_figure = any(ind.values.get("buurt") is not None for ind in indicators)
    balance = _balance(plus - minus, bool(signals), any_figure)
    pick = good if balance in ("gunstig", "sterk gunstig") else bad
    best = max(pick, key=lambda x: x[1], default=None)
    fig = _strongest(best[0], "gunstig" if pick is good else "ongunstig", best[1]) if best else None
    return Cell(domain, balance, LEVELS[balance], len(bad), len(good),
                sum(1 for _, st in bad if st >= STRONG), minus, fig)


def _included(data: GemeenteData, ind: IndicatorResult) -> bool:
    """Partner figures only where the partner covered the whole gemeente."""
    if not ind.partner:
        return True
    meta = data.partner.get(ind.id, (None, {}))[1]
    return bool(meta.get("complete"))


def row_for(data: GemeenteData, scan: Scan, min_population: int = MIN_POPULATION) -> Row:
    r = scan.region
    cells = []
    considered = [i for s in scan.sections for i in s.indicators if _included(data, i)]
    for section in scan.sections:
        if section.id == GENERAL:
            continue
        cells.append(cell_for(section.id, [i for i in section.indicators if _included(data, i)]))
    inwoners = next((i.values.get("buurt") for i in considered if i.id == INWONERS), None)
    lbm = next((i for i in considered if i.id == LEEFBAARHEID), None)
    if inwoners is None:
        score, why = None, "aantal inwoners onbekend"
    elif inwoners < min_population:
        score, why = None, f"minder dan {min_population} inwoners"
    else:
        score, why = score_of(cells), None
    return Row(
        code=r.code, name=r.name, wijk_code=r.wijk_code, wijk_name=r.wijk_name, inwoners=inwoners,
        score=score, no_score=why, leefbaarometer=leefbaarometer_words(lbm),
        leefbaarometer_score=lbm.values.get("buurt") if lbm else None,
        figures=sum(1 for i in considered if i.values.get("buurt") is not None), indicators=len(considered),
        cells=tuple(cells),
        unfavourable_domains=sum(1 for c in cells if c.balance in ("ongunstig", "sterk ongunstig")),
        strong_signals=sum(c.strong_unfavourable for c in cells),
    )


def _long(data: GemeenteData, scan: Scan) -> list[dict[str, Any]]:
    out = []
    titles = {s.id: s.title for s in scan.sections}
    for section in scan.sections:
        for i in section.indicators:
            if not _included(data, i):
                continue
            s = signal_of(i)
            out.append({
                "buurt_code": scan.region.code, "buurt": scan.region.name, "domain": titles[section.id],
                "indicator": i.id, "label": i.label, "value": i.values.get("buurt"), "unit": i.unit,
                "decimals": i.decimals, "status": i.statuses.get("buurt"), "period": i.period, "source": i.source,
                "table_id": i.table_id, "gemeente": i.values.get("gemeente"), "nederland": i.values.get("nederland"),
                "rank": i.rank, "rank_of": i.rank_of,
                "signal": i.signal.valence if i.signal else None, "strength": round(s[1], 2) if s else None,
                "partner": i.partner, "threshold": i.threshold,
            })
    return out


def _attribution(sources: Sequence[dict[str, Any]]) -> str:
    from .report.build import attribution

    return attribution(sources)


def leeswijzer(min_population: int) -> tuple[str, ...]:
    return (
        "Elke rij is een buurt, elke kolom een thema van de WijkWijzer. Een signaal betekent: de buurt wijkt "
        "duidelijk af van zowel de gemeente als Nederland (waar die cijfers er zijn).",
        "Per thema tellen we de signalen: een ongunstig signaal telt 1 punt, een sterk ongunstig signaal "
        f"(minstens {STRONG:g} keer de afwijking die voor een signaal nodig is) 2 punten; gunstige signalen "
        "tellen net zo, met het andere teken. Opvallende cijfers zonder oordeel (zoals leeftijd of herkomst) "
        "tellen niet mee.",
        "Het vak toont het saldo: ▼▼ sterk ongunstig (−3 of minder), ▼ ongunstig (−1 of −2), ▼▲ gemengd "
        "(signalen beide kanten op, saldo 0), · geen signaal, ▲ gunstig (+1 of +2), ▲▲ sterk gunstig (+3 of "
        "meer), – geen cijfers. Onder het saldo staat het sterkste cijfer van dat thema, met de waarde "
        "waarmee het is vergeleken.",
        "De urgentiescore is de som van de ongunstige punten over alle thema's: gunstige cijfers in het ene "
        "thema heffen een probleem in een ander thema niet op. De buurten staan op volgorde van die score. "
        "Bij gelijke score gaat voor: de buurt met meer ongunstige thema's, dan die met meer sterk ongunstige "
        "signalen, dan die met meer inwoners.",
        f"Buurten met minder dan {min_population} inwoners krijgen geen score: hun cijfers zijn te "
        "wisselvallig. Ze staan onderaan, met hun signalen.",
        "Volledig: welk deel van de cijfers van de scan er voor de buurt is. Een lege plek is nooit 0: de bron "
        "heeft dan geen (of een te klein) cijfer. Cijfers van partners tellen alleen mee als de partner de "
        "hele gemeente heeft aangeleverd.",
        "Dit overzicht wijst aan waar het gesprek moet beginnen, het is geen oordeel over een buurt. Maak voor "
        "de buurten bovenaan een globale scan (buurtscan render) en vraag bewoners en partners wat zij zien.",
    )


def build_overview(cache: Cache, code: str, *, min_population: int = MIN_POPULATION) -> Overview:
    """The overview of every cached buurt of a gemeente (GMxxxx) or wijk (WKxxxxxx), offline."""
    rc = parse_code(code)
    if rc.level not in ("gemeente", "wijk"):
        raise UsageError(f"An overview is made for a gemeente (GM0518) or a wijk (WK051836), not '{code}'.",
                         tip="For one buurt use: buurtscan show " + rc.code)
    if cache.is_empty():
        raise UsageError(f"The cache at {cache.root} is empty.",
                         tip=f"Fetch the gemeente first: buurtscan fetch --gemeente {rc.gemeente}")
    assert rc.gemeente is not None
    data = GemeenteData(cache, rc.gemeente)
    codes = data.codes("buurt")
    if rc.level == "wijk":
        codes = [c for c in codes if c[2:8] == rc.code[2:8]]
    if not codes:
        raise UsageError(f"No buurten of {rc.code} are cached.",
                         tip=f"Fetch them first: buurtscan fetch --gemeente {rc.gemeente}")
    rows, figures = [], []
    sources: dict[tuple[str, str], dict[str, Any]] = {}
    for c in codes:
        scan = data.scan(c)
        rows.append(row_for(data, scan, min_population))
        figures.extend(_long(data, scan))
        for s in scan.sources:
            sources.setdefault((s["source"], s["table_id"]), s)
    rows.sort(key=sort_key)
    from dataclasses import replace

    rows = [replace(r, position=n) for n, r in enumerate(rows, 1)]
    area = data.region(rc.code)
    domains = tuple(Domain(d.id, d.title) for d in data.catalogue.domains if d.id != GENERAL)
    srcs = tuple(sorted(sources.values(), key=lambda s: (s["source"], s["table_id"])))
    return Overview(
        code=rc.code, name=area.name, level=rc.level, gemeente_code=rc.gemeente,
        gemeente_name=data.region(rc.gemeente).name,
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        domains=domains, rows=tuple(rows), sources=srcs, figures=tuple(figures), min_population=min_population,
        attribution=_attribution(srcs), leeswijzer=leeswijzer(min_population),
    )
