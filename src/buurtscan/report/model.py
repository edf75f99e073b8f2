"""The report model: pure, frozen data that every renderer formats and nothing else.

Built by :mod:`buurtscan.report.build` from a scan, the catalogue and the user's policy and
story files. All text is final Dutch text; all figures are already formatted in Dutch
notation (renderers never format numbers, never touch the cache or the network). Raw values
are kept beside the text where a renderer draws a chart.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from typing import Any

LEVEL_LABELS = ("buurt", "wijk", "gemeente", "nederland")


@dataclass(frozen=True)
class Spark:
    """A sparkline: the region's series against a reference, points scaled to 0..1 (x: time, y: value).

    Both lines share one vertical scale. ``first``/``last`` are the region's first and last values as
    printed; ``start`` says when the series starts at a boundary change ("2021: buurt opnieuw ingedeeld").
    """

    own: tuple[tuple[float, float], ...]
    reference: tuple[tuple[float, float], ...]  # empty: no reference line (sizes)
    reference_name: str  # "Den Haag", "Nederland" or ""
    first: str
    last: str
    first_period: str
    last_period: str
    start: str = ""
    text: str = ""  # "2019 → 2021 → 2024: 3.245 → 2.855 → 3.360"
    periods: tuple[str, ...] = ()  # every period of the series, for a full chart (the deck)
    lines: tuple[tuple[str, tuple[float | None, ...]], ...] = ()  # ("Buurt", raw values per period), …
    decimals: int = 0


@dataclass(frozen=True)
class Figure:
    """One indicator line: label, the formatted values and where they come from."""

    id: str
    label: str  # as printed, with the unit where the value does not carry it ("WW-uitkeringen (per 1.000 inwoners)")
    unit: str  # catalogue unit, e.g. "%", "per 1.000 inwoners", "km"
    buurt: str
    wijk: str
    gemeente: str
    nederland: str
    values: tuple[float | None, float | None, float | None, float | None]  # raw, for charts
    rank: str  # "bij de 10% ongunstigste buurten van Den Haag (106e van 111)" or ""
    signal: str  # "", "gunstig", "ongunstig", "opvallend"
    trend: str  # "+115 sinds 2019", "gelijk gebleven sinds 2022" or ""
    period: str
    source: str  # "CBS 85984NED"
    note: int  # footnote number in the sources block
    key: bool = False
    missing: bool = False  # the subject has no figure
    cells: tuple[str, ...] = ()  # the values in the order of Report.columns
    detail: str = ""  # the line under the label: "2020 · schatting · bij de 10% ongunstigste … · −0,2 sinds 2019"
    strength: float = 0.0  # of the signal, in steps of the unit (see compare.effect)
    small: bool = False  # the subject's figure is a small number (marked with formatting.SMALL_MARK)
    estimate: bool = False  # a model estimate (RIVM): "schatting"
    rank_position: float | None = None  # 0 = highest value of the gemeente, 1 = lowest (for a position bar)
    words: str = ""  # for scores: the value in words ("onder het Nederlandse gemiddelde")
    series_break: str = ""  # "Reeks vanaf 2021: de buurt is in 2021 opnieuw ingedeeld." or ""
    spark: Spark | None = None  # the series as a sparkline (at least three periods), else None
    series: str = ""  # the series in one line: "2019 → 2021 → 2024: 3.245 → 2.855 → 3.360"
    development: str = ""  # the trend judgement in words: "2014–2024 gestegen (+0,06)"
    plain: str = ""  # the figure in plain words, for residents: "Huishoudens met een laag inkomen: ongeveer 1 op de 4 …"
    own: str = ""  # the subject's own value as printed (the buurt's, the wijk's or the gemeente's, by report level)
    own_value: float | None = None  # the same, raw (for charts)
    cell_styles: tuple[str, ...] = ()  # per cell of `cells`: "" (ordinary), "klein" (a small number, set apart
    # in every format) or "ontbreekt" (no figure)
    similar: str = ""  # the median of the vergelijkbare buurten as printed ("" without them; the deck's column)

    def look(self, i: int) -> str:
        """The look of cell ``i`` of :attr:`cells` ("klein", "ontbreekt" or ""; "" past the styled cells,
        e.g. the vergelijkbaar column a renderer appends)."""
        return self.cell_styles[i] if 0 <= i < len(self.cell_styles) else ""


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[float | None, ...]  # one per series
    texts: tuple[str, ...] = ()  # the same values in Dutch notation ("19,0"; "niet beschikbaar")


@dataclass(frozen=True)
class Chart:
    """A small bar chart: categories with one bar per series (e.g. buurt, gemeente, Nederland)."""

    title: str
    unit: str
    series: tuple[str, ...]
    bars: tuple[Bar, ...]

    @property
    def maximum(self) -> float:
        vals = [v for b in self.bars for v in b.values if v is not None]
        return max(vals) if vals else 0.0


@dataclass(frozen=True)
class PartnerFigure:
    label: str
    value: str
    gemeente: str
    source: str  # "Bron: Woonstad, aangeleverd 12 november 2026"
    wijk: str = ""
    compare: str = ""  # "wijk 12%, gemeente 15%" (the references that are known)


@dataclass(frozen=True)
class PolicyItem:
    wat: str
    waar: str
    wanneer: str
    bron: str


@dataclass(frozen=True)
class Photo:
    """A story's photo, checked and scaled down by the story reader: ready to embed as it is.

    Only PNG, JPEG or WebP files from the stories file's folder get this far; the image is
    re-encoded as a JPEG of at most 1200 px. Base64 keeps the model JSON-safe (Typst gets JSON).
    """

    name: str  # the file name the user gave (for alt texts and notices)
    mime: str  # "image/jpeg"
    b64: str  # the scaled image, base64
    width: int
    height: int

    @property
    def data(self) -> bytes:
        return base64.b64decode(self.b64)

    @property
    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{self.b64}"


@dataclass(frozen=True)
class Story:
    tekst: str
    wie: str
    wanneer: str
    soort: str
    foto: Photo | None = None  # checked and scaled by buurtscan.policy_stories


@dataclass(frozen=True)
class DomainSection:
    id: str
    title: str
    figures: tuple[Figure, ...]
    highlights: tuple[str, ...]  # plain Dutch sentences where the buurt stands out
    partner: tuple[PartnerFigure, ...] = ()
    policy: tuple[PolicyItem, ...] = ()
    stories: tuple[Story, ...] = ()
    questions: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()  # "2 verhalen passen niet meer op twee pagina's; ze staan in verhalen.csv"
    chart: Chart | None = None
    unavailable: str = ""  # "Niet beschikbaar voor deze buurt: opleidingsniveau (onbekend of geheim), …"
    empty: str = ""  # one sentence when the buurt has no figure at all in this domain
    signals_note: str = ""  # when nothing stands out: why (no false reassurance)
    comparisons: int = 0  # how many figures could be compared with a reference


@dataclass(frozen=True)
class SourceNote:
    number: int
    text: str  # "CBS, Kerncijfers wijken en buurten 2024 (85984NED), periode 2024, opgehaald 27-11-2026"
    url: str


@dataclass(frozen=True)
class Report:
    title: str  # "Buurtscan Moerwijk-Oost"
    subtitle: str  # "Wijk 36 Moerwijk, gemeente 's-Gravenhage"
    code: str
    level: str
    date: str  # "27 november 2026"
    intro: str
    general: tuple[Figure, ...]
    age_chart: Chart | None
    summary: tuple[str, ...]  # "Wat valt op": the strongest signals across domains
    domains: tuple[DomainSection, ...]
    sources: tuple[SourceNote, ...]
    attribution: str  # CC BY wording
    reading_guide: str
    columns: tuple[str, ...] = ("Buurt", "Wijk", "Gemeente", "Nederland")
    place: str = ""  # the gemeente as named in running text ("Den Haag")
    notices: tuple[str, ...] = field(default=())
    summary_note: str = ""  # when "Wat valt op" is empty: why (no false reassurance)
    comparisons: int = 0  # how many figures could be compared with a reference
    changes: tuple[str, ...] = ()  # "Wat verandert": at most three counting trends, strongest first
    audience: str = "professionals"  # or "bewoners": the resident version (larger text, stories first)
    similar: str = ""  # one sentence naming a few vergelijkbare buurten ("" without them)
    general_columns: tuple[str, ...] = ()  # the Algemene gegevens table's columns when they differ (+ vergelijkbaar)
    similar_column: str = ""  # "Vergelijkbaar": the title of Figure.similar where a table has room for it
    chart_reading: str = ""  # how the bar charts read ("donker = buurt, grijs = gemeente, …"), for the deck's notes

    def columns_for(self, figures: tuple[Figure, ...]) -> tuple[str, ...]:
        """The column titles of a table of these figures (its cells decide: general or domain)."""
        if self.general_columns and figures and len(figures[0].cells) == len(self.general_columns):
            return self.general_columns
        return self.columns

    def as_dict(self) -> dict[str, Any]:
        """Plain data (for the Typst template, which receives JSON)."""
        return asdict(self)
