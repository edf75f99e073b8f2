"""How much a note may hold (:class:`Limits`), in steps from the fullest note to the smallest.

Texts are never shortened: a smaller note has fewer whole items. :func:`steps` lists the
steps in the order the fitting (:mod:`.fitting`) gives things up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

DOMAINS = 8  # the WijkWijzer domains besides Algemeen (the steps of `fewer_figures`)
KEPT_ITEMS = 3  # the last policy items and stories outweigh a domain's third figure


@dataclass(frozen=True)
class Limits:
    """How much the note may hold; :func:`steps` gives the smaller steps in order.

    Texts are never shortened: a smaller note has fewer whole items. "Wat valt op" keeps its
    size in every step.
    """

    figures: int = 4
    fewer_figures: int = 0  # this many domains, the last first, show one figure fewer
    highlights: int = 2
    summary: int = 5
    partner: int = 3
    policy: int = 3
    stories: int = 2
    questions: int = 3
    changes: int = 3  # "Wat verandert": short, so it stays until the whole items are gone
    items: int | None = None  # at most this many policy items and stories in the whole note (None: no cap)
    similar: bool = True  # the sentence naming vergelijkbare buurten and their column in Algemene gegevens
    # their column (and "hoger dan in vergelijkbare buurten") in the domain tables: off in the fitted note
    # (it never fit the two pages of the example notes, and the fit's estimate does not model it, so a
    # first layout with it misleads the search); `show`, `show --json` and the deck carry those medians
    similar_domains: bool = False

    def tighter(self) -> Limits | None:
        """The next smaller step (see :func:`steps`), or None at the smallest."""
        chain = steps(self)
        return chain[1] if len(chain) > 1 else None


def steps(base: Limits, items: int = 20) -> list[Limits]:
    """From ``base`` (first) to the smallest note, each step holding less than the one before.

    The order is what a reader misses least: a third and second question, a domain's second
    highlight, the similar-buurten column in the domain tables (and its "hoger dan in
    vergelijkbare buurten"; off unless the base asks for it); then, in a note with policy items
    or stories (``items`` > 0), the similar-buurten sentence and their column in Algemene
    gegevens (the buurt's own plans and voices weigh more); a third partner figure, a domain's
    fourth figure (domain by domain, the last first), the fourth figures, a third "Wat
    verandert"; then whole policy items and stories one by one (``items`` is how many the
    fullest note holds; the domain with the most gives up first) down to :data:`KEPT_ITEMS`;
    then a domain's third figure (domain by domain); in a note without items the
    similar-buurten sentence and column only here, before the last domain's third figure (one
    sentence and one column that let every figure be read against buurten like this one); then
    the third figures, the last items, the other partner figures and, last, "Wat verandert" (it
    is short)."""
    b = base
    chain = [b]

    def add(**changes: Any) -> None:  # noqa: ANN401
        nonlocal b
        values: dict[str, Any] = {k: min(v, getattr(b, k)) if isinstance(v, int) and not isinstance(v, bool)
                            and getattr(b, k) is not None and k != "fewer_figures" else v
                            for k, v in changes.items()}
        nxt = replace(b, **values)
        if nxt != b and _smaller(nxt, b):
            chain.append(nxt)
            b = nxt

    add(questions=2)
    add(highlights=1)
    add(questions=1)
    add(similar_domains=False)
    if items:  # policy items and stories outweigh the similar buurten: their sentence goes early
        add(similar=False)
    add(partner=2)
    for n in range(1, DOMAINS):
        add(fewer_figures=n)
    add(figures=b.figures - 1, fewer_figures=0)
    add(changes=2)
    start = items if b.items is None else min(items, b.items)
    for n in range(start - 1, KEPT_ITEMS - 1, -1):
        add(items=n)
    for n in range(1, DOMAINS):
        add(fewer_figures=n)
    add(similar=False)  # without items it stays until the third figures are gone in all domains but one
    add(figures=b.figures - 1, fewer_figures=0)
    for n in range(min(start, KEPT_ITEMS) - 1, -1, -1):
        add(items=n)
    add(partner=1)
    add(changes=1)
    add(figures=1, partner=0, questions=0, highlights=0)
    add(changes=0)
    return chain


def allot(counts: list[tuple[int, int]], cap: int | None) -> list[tuple[int, int]]:
    """(policy, stories) per domain within a cap on all items together.

    One at a time, the kind the note holds more of gives up an item (a story on a tie), from the
    domain with the most items (the later one on a tie), its last. So no domain and no kind loses everything while another keeps all."""
    out = [list(c) for c in counts]
    while cap is not None and sum(p + s for p, s in out) > max(cap, 0):
        plans, voices = sum(p for p, _ in out), sum(s for _, s in out)
        kind = 0 if plans > voices or voices == 0 else 1
        most = max((i for i in range(len(out)) if out[i][kind] > 0), key=lambda i: (out[i][0] + out[i][1], i))
        out[most][kind] -= 1
    return [(p, s) for p, s in out]


def _smaller(a: Limits, b: Limits) -> bool:
    fields = ("shown", "policy", "partner", "highlights", "questions", "stories", "items", "changes", "similar",
              "similar_domains")
    big = 10**6
    def get(x: Limits, f: str) -> int:
        if f == "shown":  # figures shown in all domains together
            return x.figures * DOMAINS - x.fewer_figures
        return big if getattr(x, f) is None else int(getattr(x, f))

    return all(get(a, f) <= get(b, f) for f in fields) and any(get(a, f) < get(b, f) for f in fields)
