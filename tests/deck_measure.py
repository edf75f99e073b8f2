"""Test-only measuring of a written deck: the height of the text in a text body or table cell,
read back from the XML the deck wrote (sizes, bold, bullets, spacing) and measured with the deck's
own font metrics (buurtscan.report.pptx.fitting)."""

from __future__ import annotations

from lxml import etree

from buurtscan.report.pptx.fitting import LINE, PT, Run, count_lines
from buurtscan.report.pptx.ooxml import A


def measure_cell(tc: etree._Element, width_pt: float, factor: float = 1.0) -> float:
    """Estimated height (points) of a table cell's text, with the cell's own margins."""
    tc_pr = tc.find(A + "tcPr")
    mar = {k: int(tc_pr.get(k, d)) / PT if tc_pr is not None else d / PT
           for k, d in (("marL", 91440), ("marR", 91440), ("marT", 45720), ("marB", 45720))}
    inner = measure_tx_body(tc.find(A + "txBody"), width_pt - mar["marL"] - mar["marR"], factor, insets=False)
    return inner + mar["marT"] + mar["marB"]


def measure_tx_body(tx_body: etree._Element, width_pt: float, factor: float = 1.0, *, bold: bool = False,
                    insets: bool = True) -> float:
    """Estimated height (points) of the text in a txBody as written, for ``width_pt`` of the shape.

    Reads the sizes, bold, bullets and spacing that the deck's ``write_paras`` wrote.
    """
    body_pr = tx_body.find(A + "bodyPr")

    def ins(name: str, default: int) -> float:
        if not insets:
            return 0.0
        return int(body_pr.get(name, default)) / PT if body_pr is not None else default / PT

    inner = width_pt - ins("lIns", 91440) - ins("rIns", 91440)
    total = ins("tIns", 45720) + ins("bIns", 45720)
    for n, p_el in enumerate(tx_body.findall(A + "p")):
        runs, size = [], None
        for r_el in p_el.findall(A + "r"):
            rpr = r_el.find(A + "rPr")
            size = int(rpr.get("sz", "1800")) / 100 if rpr is not None else 18.0
            weight = None if rpr is None or rpr.get("b") is None else rpr.get("b") == "1"
            runs.append(Run(r_el.findtext(A + "t") or "", bold=weight))
        if size is None:
            end = p_el.find(A + "endParaRPr")
            size = int(end.get("sz", "1800")) / 100 if end is not None else 18.0
        ppr = p_el.find(A + "pPr")
        mar = int(ppr.get("marL", "0")) / PT if ppr is not None else 0.0
        before = 0.0
        if ppr is not None and n > 0:
            spc = ppr.find(f"{A}spcBef/{A}spcPts")
            before = int(spc.get("val")) / 100 if spc is not None else 0.0
        total += before + count_lines(runs, inner - mar, size, factor, bold=bold) * size * LINE
    return total
