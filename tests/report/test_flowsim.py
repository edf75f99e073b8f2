"""The measured flow (report/flowsim.py) predicts the note's steps, and the fit it guides lays out
less while choosing a note that fits. Real example data (Moerwijk-Oost overflows its two pages at
its fullest, so the fit has to search)."""

import pytest

from buurtscan.example import example_cache
from buurtscan.report import fitting, flowsim, templates
from buurtscan.report.build import build_report
from buurtscan.report.limits import Limits, steps
from buurtscan.scan import GemeenteData


@pytest.fixture(scope="module")
def moerwijk():
    scan = GemeenteData(example_cache(), "GM0518").scan("BU05183620")
    full = build_report(scan, limits=Limits())
    chain = steps(Limits(), items=0)
    return scan, full, chain, fitting.layout(full)


def test_the_markers_give_a_flow_that_packs_to_the_real_end(moerwijk):
    _, full, _, first = moerwijk
    assert first.parts and [p["what"] for p in first.parts][:2] == ["domain", "body"]
    model = flowsim.measure(first.parts, first.flow, len(full.domains))
    assert model is not None and len(model.parts) == 2 * len(full.domains) + 1
    assert all(p.height >= 0 for p in model.parts) and sum(p.kind == "head" for p in model.parts) == len(full.domains)
    # the fullest note packed again lands where Typst put it (the offset corrects what is left)
    assert abs(model.offset) < 15.0, model.offset
    predictions = flowsim.Predictions(full, fitting.estimate_parts)
    assert predictions.learn(Limits(), first.parts, first.flow)
    assert predictions(Limits()) == pytest.approx(first.position(), abs=0.01)


def test_steps_of_the_same_kind_are_predicted_within_a_few_points(moerwijk):
    scan, full, chain, first = moerwijk
    predictions = flowsim.Predictions(full, fitting.estimate_parts)
    predictions.learn(Limits(), first.parts, first.flow)
    same_kind = [s for s in chain[1:8] if s.similar and build_report(scan, limits=s) != full][:3]
    assert same_kind
    for step in same_kind:
        real = fitting.layout(build_report(scan, limits=step)).position()
        assert abs(predictions(step) - real) < 12.0, (step, predictions(step), real)


def test_a_step_without_the_similar_column_is_measured_from_its_own_layout(moerwijk):
    scan, full, chain, first = moerwijk
    predictions = flowsim.Predictions(full, fitting.estimate_parts)
    predictions.learn(Limits(), first.parts, first.flow)
    step = next(s for s in chain if not s.similar)
    assert not predictions.known(step)  # borrowed from the fullest note's flow until measured
    made = fitting.layout(build_report(scan, limits=step))
    assert predictions.learn(step, made.parts, made.flow) and predictions.known(step)
    assert predictions(step) == pytest.approx(made.position(), abs=0.01)


@pytest.mark.parametrize("formats", [("pdf",), ("html", "pdf")])
def test_the_guided_fit_of_moerwijk_takes_at_most_four_layouts_and_fits(moerwijk, formats):
    from buurtscan.actions.note import WORD_SPARE

    scan, *_ = moerwijk
    fitting._FITTED.clear()
    spare = WORD_SPARE if "html" in formats else 0.0
    fitted = fitting.fit(lambda lim: build_report(scan, limits=lim), Limits(), spare=spare)
    assert fitted.fits and fitted.layouts <= 4, fitted.layouts
    made = fitting.layout(fitted.report)
    assert made.fits(2, 0.0) and made.overrun(2, 0.0) <= 0
    assert fitted.report.changes  # "Wat verandert" stays (it is given up last)


def test_a_template_without_the_markers_still_fits_with_the_estimate(moerwijk, tmp_path):
    scan, *_ = moerwijk
    text = (templates.packaged_dir() / "note.typ").read_text(encoding="utf-8")
    plain = "\n".join(line for line in text.splitlines() if "#part(" not in line)
    assert plain != text
    (tmp_path / "note.typ").write_text(plain, encoding="utf-8")
    fitting._FITTED.clear()
    fitted = fitting.fit(lambda lim: build_report(scan, limits=lim), Limits(), user_dir=tmp_path)
    assert fitted.fits and fitting.layout(fitted.report, user_dir=tmp_path).parts is None
