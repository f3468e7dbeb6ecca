"""What is done with many runs: comparisons, phase planes, ensembles, sensitivity, sweeps."""
