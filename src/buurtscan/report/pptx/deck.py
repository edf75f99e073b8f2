"""The deck: the slides in order, from the ready report model, into a copy of the template."""

from __future__ import annotations

from pathlib import Path

from ..model import DomainSection, Report
from .back import closing, left_out, policy, sources, unknown
from .cover import cover, general
from .domain import domain
from .fitting import clean
from . import fast
from .layouts import (LayoutInfo, check_template, load_template, remove_slides, template_path, template_protos,
                      theme_fonts)
from .slide import Ctx

MAX_SLIDES = 12


def plan(report: Report) -> tuple[list[DomainSection], list[DomainSection], bool]:
    """Which domains get a slide of their own (those with figures for the subject, as many as fit
    :data:`MAX_SLIDES`), which share "Wat we (nog) niet weten", and whether a policy slide comes."""
    known = [d for d in report.domains if any(not f.missing for f in d.figures)]
    unknown_domains = [d for d in report.domains if d not in known]
    has_policy = any(d.policy for d in report.domains) or bool(left_out(report))
    fixed = 3 + bool(unknown_domains) + has_policy  # cover, algemeen, bronnen, (nog) niet weten, beleid
    return known[: MAX_SLIDES - fixed], unknown_domains, has_policy


def render(report: Report, *, user_dir: Path | None = None, deck_template: Path | None = None) -> bytes:
    """The deck of one report as .pptx bytes."""
    path = template_path(user_dir, deck_template)
    prs = load_template(path)
    layouts = check_template(prs, path.name)
    remove_slides(prs)
    fast.install_partnames(prs.part.package)
    protos = template_protos(path)
    heading_factor, body_factor = protos.get("fonts") or protos.setdefault("fonts", theme_fonts(prs))
    ctx = Ctx(report, prs, {k: LayoutInfo.read(v, protos) for k, v in layouts.items()}, heading_factor,
              body_factor, footer=f"{report.title} · {report.code} · {report.date}", protos=protos)
    slides, unknown_domains, has_policy = plan(report)
    cover(ctx)
    general(ctx)
    for section in slides:
        domain(ctx, section)
    if unknown_domains:
        unknown(ctx, unknown_domains)
    if has_policy:
        policy(ctx)
    sources(ctx)
    closing(ctx)
    core = prs.core_properties
    core.title = clean(report.title)
    core.subject = clean(f"{report.subtitle} ({report.code})")
    core.author = core.last_modified_by = "buurtscan"
    core.keywords = "buurtscan; globale scan; WijkWijzer"
    core.language = "nl-NL"
    core.revision = 1
    return fast.save(prs)
