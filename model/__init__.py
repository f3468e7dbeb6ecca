"""sle-immunomod: a toy model of immune modulation in systemic lupus erythematosus (SLE).

Illustrative teaching model, not predictive, not medical advice. See `DISCLAIMER`.
"""

from .analysis.compare import compare_assumptions as compare_assumptions
from .analysis.population import THERAPY_CONTRAST as THERAPY_CONTRAST
from .analysis.population import PopulationSpec as PopulationSpec
from .analysis.population import VirtualPopulation as VirtualPopulation
from .analysis.population import draw_population as draw_population
from .analysis.population import healthy_steady_state as healthy_steady_state
from .analysis.population import outcome_share as outcome_share
from .analysis.population import remission_by_therapy as remission_by_therapy
from .analysis.population import remission_shares as remission_shares
from .analysis.population import separating_parameters as separating_parameters
from .core.disclaimer import DISCLAIMER as DISCLAIMER
from .core.equations import MECHANISMS as MECHANISMS
from .core.equations import STATE_INFO as STATE_INFO
from .core.equations import STATE_NAMES as STATE_NAMES
from .core.errors import ModelError as ModelError
from .core.errors import SpecError as SpecError
from .core.interventions import INTERVENTION_TYPES as INTERVENTION_TYPES
from .core.interventions import AntigenTrigger as AntigenTrigger
from .core.interventions import BCellDepletion as BCellDepletion
from .core.interventions import CARTCellTherapy as CARTCellTherapy
from .core.interventions import FieldInfo as FieldInfo
from .core.interventions import HSCTReset as HSCTReset
from .core.interventions import Immunosuppression as Immunosuppression
from .core.interventions import Intervention as Intervention
from .core.interventions import InterventionError as InterventionError
from .core.interventions import MSCInfusion as MSCInfusion
from .core.interventions import format_intervention as format_intervention
from .core.interventions import intervention_fields as intervention_fields
from .core.interventions import parse_intervention as parse_intervention
from .core.outcomes import FLARE_THRESHOLD as FLARE_THRESHOLD
from .core.outcomes import REMISSION_THRESHOLD as REMISSION_THRESHOLD
from .core.outcomes import Outcomes as Outcomes
from .core.parameters import PARAMETERS as PARAMETERS
from .core.parameters import ParameterError as ParameterError
from .core.parameters import ParameterInfo as ParameterInfo
from .core.parameters import Parameters as Parameters
from .core.scenarios import ASSUMPTION_SETS as ASSUMPTION_SETS
from .core.scenarios import SCENARIOS as SCENARIOS
from .core.scenarios import AssumptionSet as AssumptionSet
from .core.scenarios import Scenario as Scenario
from .engine.batch import BatchResult as BatchResult
from .engine.batch import simulate_batch as simulate_batch
from .engine.simulate import Result as Result
from .engine.simulate import SimulationError as SimulationError
from .engine.simulate import resolve_parameters as resolve_parameters
from .engine.simulate import simulate as simulate

__version__ = "0.1.0"

#: Submodules imported on first use (`model.uncertainty.ensemble(...)`), so `import model` stays fast.
_LAZY_SUBMODULES = {
    "uncertainty": "model.analysis.uncertainty",
    "sensitivity": "model.analysis.sensitivity",
    "sweep": "model.analysis.sweep",
    "phaseplane": "model.analysis.phaseplane",
    "trial": "model.trial",
    "export": "model.export",
}


def __getattr__(name: str) -> object:
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(_LAZY_SUBMODULES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
