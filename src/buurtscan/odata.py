"""A small client for CBS StatLine OData v3 (opendata.cbs.nl and dataderden.cbs.nl).

What it knows (see docs/sources.md):

- the catalogue at ``/ODataCatalog/Tables`` (filterable on Title);
- per table the entity sets ``TableInfos``, ``DataProperties``, one code list per
  dimension, and ``TypedDataSet``; bulk reads go through ``/ODataFeed/odata`` which pages
  by 10,000 rows and chains pages with ``odata.nextLink``;
- query strings are built by hand so the server sees a literal ``$filter`` (httpx would
  percent-encode the ``$`` if passed as ``params=``);
- topic keys carry a numeric suffix that changes every table year, so columns are
  resolved by *stem*; stems can repeat under different parent groups
  (``Appartement_54`` kWh vs ``Appartement_62`` m³), so each topic also gets an
  ``indicator`` id that is unique within the table and stable across years
  (``Appartement.gemiddeld_aardgasverbruik``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from .errors import SourceError, TableNotFoundError
from .text import slug

if TYPE_CHECKING:  # httpx is imported only when something fetches
    from .http_client import Http

FEED = "/ODataFeed/odata"
API = "/ODataApi/odata"
CATALOG = "/ODataCatalog/Tables"

_SUFFIX = re.compile(r"_\d+$")


def build_url(base: str, path: str, **query: str | int | None) -> str:
    """``base + path`` with an OData query string, keeping ``$`` literal.

    Keyword names map to query options: ``filter`` → ``$filter`` and so on.
    """
    parts = [("$format", "json")]
    for name, value in query.items():
        if value is not None:
            parts.append((f"${name}", str(value)))
    qs = "&".join(f"{k}={quote(v, safe=chr(39) + ',()/:')}" for k, v in parts)
    return f"{base.rstrip('/')}{path}?{qs}"


def quote_literal(value: str) -> str:
    """An OData string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def eq(field: str, value: str) -> str:
    return f"{field} eq {quote_literal(value)}"


def startswith(field: str, prefix: str) -> str:
    return f"startswith({field},{quote_literal(prefix)})"


def any_of(*clauses: str) -> str:
    return " or ".join(c for c in clauses if c)


def all_of(*clauses: str) -> str:
    return " and ".join(f"({c})" if " or " in c else c for c in clauses if c)


def stem_of(key: str) -> str:
    """``GemiddeldeWOZWaardeVanWoningen_39`` → ``GemiddeldeWOZWaardeVanWoningen``."""
    return _SUFFIX.sub("", key)


@dataclass(frozen=True)
class Topic:
    """One measure column of a table, as described by DataProperties."""

    key: str  # e.g. Appartement_62
    stem: str  # Appartement
    title: str
    unit: str
    decimals: int
    datatype: str  # Long, Double, String, …
    ancestors: tuple[str, ...]  # parent group titles, nearest first
    indicator: str  # unique within the table, stable across years

    @property
    def numeric(self) -> bool:
        return self.datatype not in ("String", "")


@dataclass(frozen=True)
class TableMeta:
    """What a table is: identity, release date and its topics and dimensions."""

    table_id: str
    title: str
    period: str
    modified: str
    catalog: str
    topics: tuple[Topic, ...]
    dimensions: tuple[str, ...]  # Keys of Dimension / GeoDetail / TimeDimension entries
    indeling: int | None = None  # the year of the region classification ("indeling 2024"), if stated

    def topic(self, stem: str, group: str | None = None) -> Topic:
        """The topic with this stem (and, where stems repeat, this ancestor group title)."""
        matches = [t for t in self.topics if t.stem == stem]
        if group is not None:
            g = slug(group)
            matches = [t for t in matches if g in {slug(a) for a in t.ancestors}]
        if not matches:
            raise KeyError(f"{self.table_id} has no topic '{stem}'" + (f" under '{group}'" if group else ""))
        if len(matches) > 1:
            options = ", ".join(f"{t.key} ({' / '.join(reversed(t.ancestors))})" for t in matches)
            raise KeyError(f"'{stem}' is ambiguous in {self.table_id}: {options}; name its group")
        return matches[0]

    def find_topic(self, stem: str, group: str | None = None) -> Topic | None:
        try:
            return self.topic(stem, group)
        except KeyError:
            return None


_INDELING = re.compile(r"indeling\s+(\d{4})", re.IGNORECASE)
_PERIOD_YEAR = re.compile(r"^(\d{4})")


def indeling_of(*texts: str) -> int | None:
    """The year of the region classification named in a title or description:
    "Gezondheid per wijk en buurt; 2012/2016/2020 (indeling 2020)" → 2020."""
    for text in texts:
        m = _INDELING.search(text or "")
        if m:
            return int(m.group(1))
    return None


def period_year(key: str) -> int | None:
    """``2023JJ00`` → 2023 (None for a key that does not start with a year)."""
    m = _PERIOD_YEAR.match(key.strip())
    return int(m.group(1)) if m else None


def periods_newest_first(keys: Sequence[str], year: int | None = None) -> list[str]:
    """Period keys (as stored, padding kept) newest first; yearly keys (``JJ``) only when the
    table has any; with ``year`` only periods of that year or earlier."""
    usable = [k for k in keys if period_year(k) is not None]
    yearly = [k for k in usable if "JJ" in k.upper()]
    chosen = yearly or usable
    if year is not None:
        chosen = [k for k in chosen if (period_year(k) or 0) <= year]
    return sorted(chosen, key=lambda k: k.strip(), reverse=True)


def topic_columns(meta: TableMeta, wanted: Sequence[tuple[str, str | None]] | None = None
                  ) -> dict[str, tuple[str, str]]:
    """Raw key → (indicator id, unit) of the numeric topics wanted (default: all numeric
    topics). Wanted stems the table does not have (or cannot tell apart) are left out."""
    if wanted is None:
        topics = [t for t in meta.topics if t.numeric]
    else:
        found = (meta.find_topic(stem, group) for stem, group in wanted)
        topics = [t for t in found if t is not None and t.numeric]
    return {t.key: (t.indicator, t.unit) for t in topics}


def topics_from_properties(props: Sequence[dict[str, Any]]) -> tuple[Topic, ...]:
    """Build topics with unique, year-stable indicator ids from DataProperties records."""
    by_id = {p.get("ID"): p for p in props}

    def ancestors(p: dict[str, Any]) -> tuple[str, ...]:
        chain: list[str] = []
        parent = p.get("ParentID")
        seen = set()
        while parent is not None and parent in by_id and parent not in seen:
            seen.add(parent)
            node = by_id[parent]
            chain.append(str(node.get("Title") or "").strip())
            parent = node.get("ParentID")
        return tuple(chain)

    raw = [p for p in props if p.get("Type") == "Topic"]
    stems: dict[str, list[dict[str, Any]]] = {}
    for p in raw:
        stems.setdefault(stem_of(p["Key"]), []).append(p)
    topics = []
    for p in raw:
        stem = stem_of(p["Key"])
        chain = ancestors(p)
        indicator = stem
        twins = stems[stem]
        if len(twins) > 1:
            others = [set(ancestors(t)) for t in twins if t is not p]
            distinct = next((a for a in chain if all(a not in o for o in others)), None)
            indicator = f"{stem}.{slug(distinct) if distinct else p['Key']}"
        topics.append(
            Topic(
                key=p["Key"],
                stem=stem,
                title=str(p.get("Title") or "").strip(),
                unit=str(p.get("Unit") or "").strip(),
                decimals=int(p.get("Decimals") or 0),
                datatype=str(p.get("Datatype") or ""),
                ancestors=chain,
                indicator=indicator,
            )
        )
    return tuple(topics)


class CbsOData:
    """Read tables from one CBS OData host (``base_url`` without a path)."""

    def __init__(self, http: Http, base_url: str, name: str = "CBS") -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.name = name

    # -- catalogue and metadata -------------------------------------------------
    def find_tables(self, title_contains: str) -> list[dict[str, Any]]:
        """Catalogue records whose Title contains the text (one request)."""
        url = build_url(
            self.base_url,
            CATALOG,
            filter=f"substringof({quote_literal(title_contains)},Title)",
            select="Identifier,Title,ShortTitle,Period,Modified,Catalog",
        )
        return list(self._values(url))

    def table_meta(self, table_id: str) -> TableMeta:
        infos = self.rows(table_id, "TableInfos")
        if not infos:
            raise TableNotFoundError(f"{self.name} table {table_id} has no TableInfos.")
        info = infos[0]
        props = self.rows(table_id, "DataProperties")
        dims = tuple(
            str(p["Key"]).strip()
            for p in props
            if p.get("Type") in ("Dimension", "GeoDetail", "TimeDimension")
        )
        title = str(info.get("Title") or table_id).strip()
        geo = [str(p.get("Description") or "") for p in props
               if p.get("Type") in ("GeoDetail", "GeoDimension")]
        return TableMeta(
            table_id=table_id,
            title=title,
            period=str(info.get("Period") or "").strip(),
            modified=str(info.get("Modified") or ""),
            catalog=str(info.get("Catalog") or self.name),
            topics=topics_from_properties(props),
            dimensions=dims,
            indeling=indeling_of(title, *geo),
        )

    def modified(self, table_id: str) -> str:
        """TableInfos.Modified only (cheap check for `status` and `refresh`)."""
        url = build_url(self.base_url, f"{API}/{table_id}/TableInfos", select="Modified")
        rows = list(self._values(url))
        return str(rows[0].get("Modified") or "") if rows else ""

    # -- data ------------------------------------------------------------------
    def rows(
        self,
        table_id: str,
        entity_set: str,
        *,
        filter: str | None = None,
        select: Sequence[str] | None = None,
        on_page: Callable[[int], None] | None = None,
    ) -> list[dict[str, Any]]:
        """All rows of an entity set through the Feed, following nextLink to the end."""
        out: list[dict[str, Any]] = []
        for page in self.pages(table_id, entity_set, filter=filter, select=select):
            out.extend(page)
            if on_page:
                on_page(len(out))
        return out

    def pages(
        self,
        table_id: str,
        entity_set: str,
        *,
        filter: str | None = None,
        select: Sequence[str] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of an entity set through the Feed, following ``odata.nextLink``.

        While the caller works on one page the next is already being downloaded (one
        background thread), so network time and conversion overlap.
        """
        first = self.request_url(table_id, entity_set, filter=filter, select=select)
        url: str | None = first
        seen: set[str] = set()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="buurtscan-page") as pool:
            pending: Future[Any] | None = pool.submit(self.http.get_json, first)
            while pending is not None:
                payload = pending.result()
                values = _values_of(payload, url or "")
                seen.add(url or "")
                url = payload.get("odata.nextLink") if isinstance(payload, dict) else None
                if url in seen:  # a server that links to itself would loop forever
                    raise SourceError(f"{self.name} sent a paging link that loops ({url}).")
                pending = pool.submit(self.http.get_json, url) if url else None
                del payload
                yield values

    def request_url(self, table_id: str, entity_set: str, *, filter: str | None = None,
                    select: Sequence[str] | None = None) -> str:
        """The first-page URL :meth:`pages` would request (for provenance)."""
        return build_url(
            self.base_url,
            f"{FEED}/{table_id}/{entity_set}",
            filter=filter,
            select=",".join(select) if select else None,
        )

    def _values(self, url: str) -> Iterator[dict[str, Any]]:
        while url:
            payload = self.http.get_json(url)
            yield from _values_of(payload, url)
            url = (payload.get("odata.nextLink") if isinstance(payload, dict) else None) or ""


def _values_of(payload: Any, url: str) -> list[dict[str, Any]]:
    """The records of an OData answer, checked for shape (a list of objects)."""
    values = payload.get("value") if isinstance(payload, dict) else None
    if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
        what = "no 'value' list" if not isinstance(values, list) else "'value' holds something other than records"
        raise SourceError(f"Unexpected answer from {url}: {what}.",
                          tip="The API may have changed; please report this. Nothing in the cache was changed.")
    link = payload.get("odata.nextLink")
    if link is not None and not (isinstance(link, str) and link.startswith(("http://", "https://"))):
        raise SourceError(f"Unexpected answer from {url}: 'odata.nextLink' is not an address.",
                          tip="The API may have changed; please report this. Nothing in the cache was changed.")
    if link is not None and urlsplit(link).hostname != urlsplit(url).hostname:
        raise SourceError(f"{urlsplit(url).hostname} sent a paging link to another host "
                          f"({urlsplit(link).hostname}); buurtscan does not follow it.",
                          tip="Nothing in the cache was changed; please report this.")
    return values


def strip_strings(row: dict[str, Any]) -> dict[str, Any]:
    """Remove CBS padding from every string value (keys and string topics)."""
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
