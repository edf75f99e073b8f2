"""The user's policy (beleid) and story (verhalen) files: CSV with a header row.

beleid:   wat, waar, wanneer, domein, bron
verhalen: domein, tekst, wie, wanneer, soort, foto (optional: a path, relative to the file)

``domein`` is a domain's id or title in any case ("wonen", "Leefomgeving & openbare ruimte").
Separators ``;`` ``,`` or tab; UTF-8 (with or without BOM) or Windows-1252. Errors name the
file, line and column and say what to do.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..catalogue import Catalogue
from ..errors import UsageError
from ..text import fold
from .build import PolicyInput, StoryInput
from .model import PolicyItem, Story

POLICY_COLUMNS = ("wat", "waar", "wanneer", "domein", "bron")
POLICY_REQUIRED = ("wat", "domein")
STORY_COLUMNS = ("domein", "tekst", "wie", "wanneer", "soort", "foto")
STORY_REQUIRED = ("domein", "tekst")
MAX_BYTES = 2_000_000


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows as (line number, {lower-case header: value})."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror}).") from None
    if len(raw) > MAX_BYTES:
        raise UsageError(f"{path}: larger than {MAX_BYTES // 1_000_000} MB; this is not a policy or story file.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly everything
        raise UsageError(f"{path}: not readable as UTF-8 or Windows-1252 text.")
    if not text.strip():
        raise UsageError(f"{path}: the file is empty.", tip="Add a header row and one row per item.")
    first = text.splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
            raise UsageError(
                f"{path}, line {reader.line_num}: {len(values)} fields but the header has {len(header)}.",
                tip=f"Put text that contains '{delimiter}' between double quotes.",
            )
        rows.append((reader.line_num, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}))
    return rows


def _check_header(path: Path, rows: list[tuple[int, dict[str, str]]], required: tuple[str, ...],
                  known: tuple[str, ...]) -> None:
    header = set(rows[0][1]) if rows else set()
    missing = [c for c in required if c not in header]
    if missing:
        raise UsageError(
            f"{path}, line 1: column '{missing[0]}' is missing.",
            tip=f"The header row needs: {', '.join(known)} (required: {', '.join(required)}).",
        )


def domain_id(catalogue: Catalogue, value: str, path: Path, line: int) -> str:
    target = fold(value)
    for d in catalogue.domains:
        if target in (fold(d.id), fold(d.title)):
            return d.id
    names = ", ".join(d.id for d in catalogue.domains)
    raise UsageError(
        f"{path}, line {line}, column 'domein': '{value}' is not a domain.",
        tip=f"Use one of: {names} (or the domain's full name).",
    )


def read_policy(path: Path, catalogue: Catalogue) -> list[PolicyInput]:
    rows = _read(path)
    if not rows:
        return []
    _check_header(path, rows, POLICY_REQUIRED, POLICY_COLUMNS)
    out = []
    for line, r in rows:
        if not r.get("wat"):
            raise UsageError(f"{path}, line {line}, column 'wat': empty.", tip="Say what the plan is.")
        out.append(PolicyInput(
            domain_id(catalogue, r.get("domein", ""), path, line),
            PolicyItem(wat=r["wat"], waar=r.get("waar", ""), wanneer=r.get("wanneer", ""), bron=r.get("bron", "")),
        ))
    return out


def read_stories(path: Path, catalogue: Catalogue) -> list[StoryInput]:
    rows = _read(path)
    if not rows:
        return []
    _check_header(path, rows, STORY_REQUIRED, STORY_COLUMNS)
    out = []
    for line, r in rows:
        if not r.get("tekst"):
            raise UsageError(f"{path}, line {line}, column 'tekst': empty.", tip="Give the quote or observation.")
        foto = r.get("foto") or None
        if foto:
            photo = (path.parent / foto).resolve()
            if not photo.is_file():
                raise UsageError(f"{path}, line {line}, column 'foto': '{foto}' does not exist.",
                                 tip="Give a path relative to the stories file, or leave the cell empty.")
            foto = str(photo)
        out.append(StoryInput(
            domain_id(catalogue, r.get("domein", ""), path, line),
            Story(tekst=r["tekst"], wie=r.get("wie", "") or "een bewoner", wanneer=r.get("wanneer", ""),
                  soort=r.get("soort", ""), foto=foto),
        ))
    return out
