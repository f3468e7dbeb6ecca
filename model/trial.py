"""Virtual trials (`model.trial`): the public face of `model.analysis.trial`.

    from model.trial import preset, replicate, run, summarise
    result = run(preset("deng_like", assumptions="durable_treg"), seed=1)  # arm sizes from the registry
    summarise(replicate(result.design, 1000, seed=1))

Illustrative teaching model, not predictive, not medical advice.
"""

from .analysis import trial as _analysis_trial
from .analysis.trial import *  # noqa: F403

__all__ = _analysis_trial.__all__
