"""Virtual trials (`model.trial`): the public face of `model.analysis.trial`.

    from model.trial import TrialDesign, run, replicate, power
    result = run(TrialDesign(n_control=6, n_treatment=12), seed=1)

Illustrative teaching model, not predictive, not medical advice.
"""

from .analysis.trial import (
    ALPHA,
    CONFIDENCE,
    ENDPOINTS,
    KINDS,
    MSC_ON_STANDARD_CARE,
    PRESETS,
    STANDARD_CARE,
    PotentialOutcomes,
    TrialDesign,
    TrialResult,
    potential_outcomes,
    power,
    preset,
    replicate,
    run,
    study_like,
    summarise,
)

__all__ = [
    "ALPHA",
    "CONFIDENCE",
    "ENDPOINTS",
    "KINDS",
    "MSC_ON_STANDARD_CARE",
    "PRESETS",
    "STANDARD_CARE",
    "PotentialOutcomes",
    "TrialDesign",
    "TrialResult",
    "potential_outcomes",
    "power",
    "preset",
    "replicate",
    "run",
    "study_like",
    "summarise",
]
