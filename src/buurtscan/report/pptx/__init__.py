"""The short PowerPoint deck: native, editable charts in the gemeente's own house style.

At most twelve slides plus a closing slide, built from the ready report model (no cache, no network)::

    1   cover: title, subtitle, code · date, "Wat valt op" (the summary) and the intro
    2   Algemene gegevens: key figures with a figure for the buurt (table) and the leeftijdsopbouw
    3…  one slide per domain with buurt figures: those figures, a chart only where it compares the
        buurt with gemeente/Nederland, the questions for the conversation (18 pt), what stands out,
        partner figures and one story with its photo
    …   "Wat we (nog) niet weten": the domains without buurt figures, what is missing and why, and
        their questions — never a table of "niet beschikbaar"
    …   Beleid & ontwikkelingen (when given), with a notice of what was left out
    …   Bronnen: sources, attribution and how to read the figures
    …   closing: "Wat herkent u? Wat missen we?"

The summary shares the cover: title + samenvatting + algemeen + 8 domains + beleid + bronnen
would be thirteen. Every slide has speaker notes with where its figures come from (source,
table id, period, retrieval date) and how to read them; anything shortened on a slide is in
full in its notes.

The deck is made from a template (``deck.pptx``: the user's templates folder first, then the
packaged one, or ``--template``) whose *named layouts* have placeholders that are filled by
``idx`` (:data:`LAYOUTS`; docs/deck-template.md). Text never spills out of its box: every box
is measured as the widest of Lato (read from the font files of the ``font-lato`` wheel) and the
fonts that stand in for it where it is not installed, DejaVu Sans and Liberation Sans (stored widths;
scaled for a wider theme font; :mod:`.fonts`), the font is shrunk within
bounds and, if that is not enough, items are left out or the text is cut with "…" and a notice.
Numbers are the model's Dutch strings; charts carry the raw values (a missing value is a gap,
never 0) with the model's strings as data labels.

Modules: :mod:`.fonts` (advance widths from the font files), :mod:`.fitting` (paragraphs, boxes,
fitting), :mod:`.ooxml` (raw DrawingML), :mod:`.layouts` (the template and its checks),
:mod:`.slide` (one slide being filled), :mod:`.tables`, :mod:`.charts`, :mod:`.trend` (the line
chart), :mod:`.notes` (speaker notes), :mod:`.cover`, :mod:`.domain`, :mod:`.back` (the slides) and
:mod:`.deck` (the order of the slides).
"""

from .deck import MAX_SLIDES, render
from .layouts import LAYOUTS

__all__ = ["LAYOUTS", "MAX_SLIDES", "render"]
