"""The ``deskpilot`` console script (Typer). Each command group lives in its own module."""
