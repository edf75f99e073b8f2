"""What one :func:`~buurtscan.partners.prepare` run knows: the file, the options and what it found.

The stages of the pipeline (keys, layouts, records, disclosure) take the job instead of a
dozen keyword arguments; warnings and columns without a domain are collected on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..catalogue import Catalogue
from ..regions import RegionList
from .cells import RawTable
from .columns import Roles
from .mapping import Mapping


@dataclass
class Job:
    table: RawTable
    source: str
    catalogue: Catalogue
    known: RegionList
    mapping: Mapping
    roles: Roles
    domain: str | None = None  # --domain
    year: int | None = None  # --year, else the mapping's year
    count_by: str | None = None  # the header of the count_by column
    skip_unknown: bool = False
    min_count: int = 5
    warnings: list[str] = field(default_factory=list)
    missing_domain: list[str] = field(default_factory=list)  # labels of columns without a domain

    @property
    def key_col(self) -> str:
        """The column the regions are read from: the code column, else the name column."""
        key = self.roles.code or self.roles.name
        assert key is not None  # find_roles fails without one
        return key
