"""Virtual trials (`model.trial`): the public face of `model.analysis.trial`.

    from model.trial import preset, replicate, run, summarise
    result = run(preset("deng_like", assumptions="durable_treg"), seed=1)  # arm sizes from the registry
    summarise(replicate(result.design, 1000, seed=1))

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
