"""deskpilot: an LLM-powered support assistant service.

Shared foundation used by the top-level packages ``retrieval``, ``triage``, ``agent``,
``api`` and ``evals``: settings, the offline process environment, the LLM gateway,
prompt templates, the database and the CLI.
"""

__version__ = "0.1.0"
