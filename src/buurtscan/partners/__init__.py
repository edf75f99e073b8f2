"""Partner files: reading what partners really send, and validating it into tidy rows.

Pure functions: they return frames and dataclasses, raise :class:`PartnerDataError` (exit
code 4) for a bad file or mapping, and never print, write or touch the network.
:mod:`buurtscan.actions.merge` orchestrates them and writes the cache. The accepted formats,
the mapping TOML and every check are documented in ``docs/partners.md``; the shape of this
package in ``docs/architecture.md``.

The pipeline, one module per stage::

    guard      a regular file under its size limit, read with a bound
    reading    bytes → text cells: encoding, one sniffing path for CSV (excel: workbooks)
    cells      RawTable and the header row
    mapping    the mapping TOML, partner names, domain look-ups
    columns    which column is what (header vocabulary, code columns by content)
    keys       region codes and names → CBS codes, years, totals and footnotes out
    numbers    cells → numbers (decimal comma or point, missing, secret, small)
    layouts    wide and long tables → long rows + indicators
    records    record-level files → counts per region × year (× kind)
    indicators indicator metadata, units, domains, value checks
    disclosure totals of fully covered wijken/gemeenten, small-number suppression, tidy rows
    prepare    the pipeline that runs the stages in order
"""

from .cells import RawTable
from .guard import MAPPING_MAX_BYTES, PARTNER_MAX_BYTES
from .indicators import TABLE_ID, PartnerData, PartnerIndicator
from .mapping import OPEN_SOURCES, ColumnSpec, Mapping, check_source_name, read_mapping, resolve_domain
from .prepare import prepare
from .reading import read_table

__all__ = [
    "MAPPING_MAX_BYTES", "OPEN_SOURCES", "PARTNER_MAX_BYTES", "TABLE_ID", "ColumnSpec", "Mapping", "PartnerData",
    "PartnerIndicator", "RawTable", "check_source_name", "prepare", "read_mapping", "read_table", "resolve_domain",
]
