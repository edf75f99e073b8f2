"""Where templates come from: a user folder (``--templates DIR``) first, then the packaged ones.

The packaged templates are the top-level ``templates/`` folder of the project, shipped in the
wheel as ``buurtscan/templates``. A gemeente restyles by copying one file (say ``note.html.j2``
or ``note.typ``) into its own folder and passing ``--templates``; files it does not override
come from the package.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import UsageError


@lru_cache(maxsize=1)
def packaged_dir() -> Path:
    """The packaged templates folder (installed wheel), or the source tree's (editable install)."""
    installed = Path(str(resources.files("buurtscan"))) / "templates"
    if installed.is_dir():
        return installed
    source_tree = Path(__file__).resolve().parents[3] / "templates"
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError("buurtscan's templates folder is missing from the installation")


def search_path(user_dir: Path | None) -> list[Path]:
    dirs = []
    if user_dir is not None:
        if not user_dir.is_dir():
            raise UsageError(f"--templates {user_dir}: no such folder.",
                             tip="Give a folder with your own note.html.j2, note.typ, deck.pptx, … ")
        dirs.append(user_dir)
    dirs.append(packaged_dir())
    return dirs


def find(name: str, user_dir: Path | None) -> Path:
    """The first ``name`` along the search path."""
    for folder in search_path(user_dir):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(name)
