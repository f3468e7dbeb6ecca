"""Export the model to other tools: SBML Level 3 Version 2 and Antimony (illustrative, not predictive).

`to_sbml(scenario, assumptions, params, interventions)` writes what `model.simulate` would
integrate with the same options; the equations come from the model's own right-hand side,
evaluated on symbols (`model.export.symbolic`), so there is one home for the maths.
"""

from .sbml import to_antimony, to_sbml

__all__ = ["to_antimony", "to_sbml"]
