"""Dutch hyphenation for the HTML note: pyphen's patterns, read lazily.

``pyphen.Pyphen(lang="nl_NL")`` parses all ~16,000 patterns of its dictionary when it is made
(about 0.15 s, a sixth of a one-note render). :func:`dictionary` reads the same file but keeps
each pattern as its text, keyed by its letters, and parses a pattern the first time a word
needs it (a note needs a few hundred). Positions and output are pyphen's own: the look-up and
the hyphenation are pyphen's code (:class:`pyphen.HyphDict`, :class:`pyphen.Pyphen`); only the
parsing is deferred. ``tests/test_hyphenation.py`` compares the two.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_DIGITS = str.maketrans("", "", "0123456789")
_ZEROS = str.maketrans("", "", "0")
_NONZERO = re.compile(r"[1-9]")
_CACHE: dict[Path, Any] = {}  # per dictionary file, for the process


class _Patterns(dict[str, Any]):
    """Pattern letters → the pattern's text, parsed into pyphen's ``(start, values)`` on first use."""

    def get(self, key: str, default: Any = None) -> Any:  # noqa: ANN401 - pyphen's values
        value = dict.get(self, key, default)
        if isinstance(value, str):
            value = _parse(value)
            self[key] = value
        return value


def _parse(pattern: str) -> tuple[int, tuple[Any, ...]]:
    """As ``pyphen.HyphDict.__init__`` parses one pattern (the pattern has a non-zero value)."""
    import pyphen

    factory: Any = int
    if "/" in pattern and "=" in pattern:
        pattern, alternative = pattern.split("/", 1)
        factory = pyphen.AlternativeParser(pattern, alternative)
    values = tuple(factory(i or "0") for i, _ in pyphen.parse(pattern))
    start, end = 0, len(values)
    while not values[start]:
        start += 1
    while not values[end - 1]:
        end -= 1
    return start, values[start:end]


def _one(patterns: _Patterns, line: str) -> None:
    """One line of a dictionary, exactly as ``pyphen.HyphDict.__init__`` reads it."""
    import pyphen

    line = line.strip()
    if not line or line.startswith(pyphen.ignored):
        return
    if "^^" in line:
        line = pyphen.parse_hex(lambda m: chr(int(m.group(1), 16)), line)
    text = line.split("/", 1)[0] if "/" in line and "=" in line else line
    if not _NONZERO.search(text):  # only zeros: pyphen skips it (an earlier one stays)
        return
    patterns[text.translate(_DIGITS)] = line


def hyph_dict(path: Path) -> Any:  # noqa: ANN401 - a pyphen.HyphDict
    """A :class:`pyphen.HyphDict` of ``path`` whose patterns are parsed when first looked up."""
    import pyphen

    with path.open("rb") as fd:
        encoding = fd.readline().decode().strip()
    if encoding.lower() == "microsoft-cp1251":
        encoding = "cp1251"
    patterns = _Patterns()
    text = path.read_text(encoding)
    lines = text.split("\n")[1:]
    # the common line (a pattern of letters and digits, no alternative, no ^^ escape) by whole-text
    # translations: its letters, and whether it has a non-zero digit (pyphen skips all-zero ones)
    keys = text.translate(_DIGITS).split("\n")[1:]
    no_zeros = text.translate(_ZEROS).split("\n")[1:]
    for line, key, nz in zip(lines, keys, no_zeros, strict=True):
        if "^^" in line or "/" in line or line != line.strip():
            _one(patterns, line)  # the rare line: as pyphen reads it
        elif line and not line.startswith(pyphen.ignored) and nz != key:  # a digit other than 0
            patterns[key] = line
    hd = pyphen.HyphDict.__new__(pyphen.HyphDict)
    hd.patterns = patterns
    hd.cache = {}
    hd.maxlen = max(len(key) for key in patterns)
    return hd


def dictionary(lang: str = "nl_NL", left: int = 2, right: int = 3) -> Any:  # noqa: ANN401 - a pyphen.Pyphen
    """``pyphen.Pyphen(lang=lang, left=left, right=right)`` with the lazily parsed patterns."""
    import pyphen

    path = Path(str(pyphen.LANGUAGES[pyphen.language_fallback(lang)]))
    if path not in _CACHE:
        _CACHE[path] = hyph_dict(path)
    hyphenator = pyphen.Pyphen.__new__(pyphen.Pyphen)  # as Pyphen.__init__, with our HyphDict
    hyphenator.left, hyphenator.right, hyphenator.hd = left, right, _CACHE[path]
    return hyphenator
