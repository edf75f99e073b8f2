"""CBS Kerncijfers wijken en buurten: the source (:mod:`.source`) and the national profile for
vergelijkbare buurten cut from the same tables (:mod:`.profile`)."""

from .source import CODE_TOPICS, KNOWN_TABLES, NAME, KwbSource

__all__ = ["CODE_TOPICS", "KNOWN_TABLES", "NAME", "KwbSource"]
