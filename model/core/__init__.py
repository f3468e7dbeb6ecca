"""The model itself, as a student reads it: parameters with units and provenance, the equations as
named mechanisms, interventions, scenarios and assumption sets, outcomes, and the disclaimer.

Nothing here knows about solvers, batches or files.
"""
