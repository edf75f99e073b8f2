"""How much a note may hold (:class:`Limits`), in steps from the fullest note to the smallest.

Texts are never shortened: a smaller note has fewer whole items. :func:`steps` lists the
steps in the order the fitting (:mod:`.fitting`) gives things up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Limits:
    """How much the note may hold; :meth:`tighter` gives the next, smaller step.

    Texts are never shortened: a smaller note has fewer whole items. "Wat valt op" keeps its
    size in every step.
    """

    figures: int = 4
    highlights: int = 2
    summary: int = 5
    partner: int = 3
    policy: int = 3
    stories: int = 2
    questions: int = 3
    changes: int = 3  # "Wat verandert"; the first thing a tighter note gives up
    items: int | None = None  # at most this many policy items and stories in the whole note (None: no cap)
    similar: bool = True  # the sentence naming vergelijkbare buurten (left out before the last items)

    def tighter(self) -> Limits | None:
        """A smaller note: first fewer questions and sentences, then fewer rows, then fewer whole items."""
        steps = [
            replace(self, changes=0),
            replace(self, questions=2),
            replace(self, questions=2, highlights=1),
            replace(self, questions=2, highlights=1, policy=2, partner=2),
            replace(self, questions=2, highlights=1, policy=2, partner=2, stories=1),
            replace(self, questions=1, highlights=1, policy=1, partner=2, stories=1),
            # residents' stories and plans outweigh the similar-buurten sentence and a domain's fourth
            # and third figure: those go before any whole item is left out
            replace(self, questions=1, highlights=1, policy=1, partner=1, stories=1, similar=False),
            replace(self, questions=1, highlights=1, policy=1, partner=1, stories=1, similar=False, figures=3),
            *(replace(self, questions=1, highlights=1, policy=1, partner=1, stories=1, similar=False, figures=3,
                      items=n) for n in (8, 6, 4, 3)),
            *(replace(self, questions=1, highlights=1, policy=1, partner=1, stories=1, similar=False, figures=2,
                      items=n) for n in (3, 2, 1, 0)),
        ]
        for step in steps:
            if step != self and _smaller(step, self):
                return step
        return None


def _smaller(a: Limits, b: Limits) -> bool:
    fields = ("figures", "policy", "partner", "highlights", "questions", "stories", "items", "changes", "similar")
    big = 10**6
    get = lambda x, f: big if getattr(x, f) is None else getattr(x, f)
    return all(get(a, f) <= get(b, f) for f in fields) and any(get(a, f) < get(b, f) for f in fields)
