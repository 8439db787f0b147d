"""One node per module; each ``make_*`` binds the deps and returns the node function."""
