"""sle-immunomod: a toy model of immune modulation in systemic lupus erythematosus (SLE).

Illustrative teaching model, not predictive, not medical advice. See `DISCLAIMER`.
"""

from .batch import BatchResult as BatchResult
from .batch import simulate_batch as simulate_batch
from .compare import compare_assumptions as compare_assumptions
from .equations import MECHANISMS as MECHANISMS
from .equations import STATE_INFO as STATE_INFO
from .equations import STATE_NAMES as STATE_NAMES
from .interventions import AntigenTrigger as AntigenTrigger
from .interventions import BCellDepletion as BCellDepletion
from .interventions import HSCTReset as HSCTReset
from .interventions import Immunosuppression as Immunosuppression
from .interventions import Intervention as Intervention
from .interventions import InterventionError as InterventionError
from .interventions import MSCInfusion as MSCInfusion
from .interventions import format_intervention as format_intervention
from .interventions import parse_intervention as parse_intervention
from .outcomes import FLARE_THRESHOLD as FLARE_THRESHOLD
from .outcomes import REMISSION_THRESHOLD as REMISSION_THRESHOLD
from .outcomes import Outcomes as Outcomes
from .parameters import PARAMETERS as PARAMETERS
from .parameters import ParameterError as ParameterError
from .parameters import ParameterInfo as ParameterInfo
from .parameters import Parameters as Parameters
from .scenarios import ASSUMPTION_SETS as ASSUMPTION_SETS
from .scenarios import SCENARIOS as SCENARIOS
from .scenarios import AssumptionSet as AssumptionSet
from .scenarios import Scenario as Scenario
from .simulate import DISCLAIMER as DISCLAIMER
from .simulate import Result as Result
from .simulate import SimulationError as SimulationError
from .simulate import resolve_parameters as resolve_parameters
from .simulate import simulate as simulate

__version__ = "0.1.0"

#: Submodules imported on first use (`model.uncertainty.ensemble(...)`), so `import model` stays fast.
_LAZY_SUBMODULES = {"uncertainty", "sensitivity", "sweep"}


def __getattr__(name: str) -> object:
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
