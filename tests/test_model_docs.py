"""docs/model.md: its tables are generated from the code and must be fresh."""

import model
from model.report import docs_tables


def test_generated_tables_in_model_doc_are_fresh():
    assert docs_tables.main(["--check"]) == 0, "run `python -m model.report.docs_tables`"


def test_model_doc_lists_every_parameter_state_mechanism_and_assumption_set():
    text = docs_tables.DOC.read_text()
    names = [p.name for p in model.PARAMETERS] + list(model.STATE_NAMES)
    names += [m.name for m in model.MECHANISMS] + list(model.ASSUMPTION_SETS) + list(model.SCENARIOS)
    assert [n for n in names if f"`{n}`" not in text] == []
