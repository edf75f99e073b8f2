"""The local cache: :mod:`.store` reads and writes it, :mod:`.manifest` is its typed manifest."""

from .manifest import (
    FORMAT,
    WHOLE,
    Manifest,
    Part,
    PartnerIndicator,
    PartnerInfo,
    RegionEntry,
    TableEntry,
)
from .store import KILL_AT_ENV, MANIFEST, Cache, Derived, Recovery, atomic_write_bytes, atomic_write_parquet, refetch_tip

__all__ = [
    "FORMAT", "KILL_AT_ENV", "MANIFEST", "WHOLE", "Cache", "Derived", "Manifest", "Part", "PartnerIndicator", "PartnerInfo",
    "Recovery", "RegionEntry", "TableEntry", "atomic_write_bytes", "atomic_write_parquet", "refetch_tip",
]
