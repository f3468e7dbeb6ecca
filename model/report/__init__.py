"""What leaves the package: atomic file writers, docs figures and generated docs tables."""
