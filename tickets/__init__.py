"""The ticket pipeline: a signed helpdesk event becomes a triaged ticket with a cited draft.

``signing`` verifies and signs (webhooks in, callbacks out); ``store`` keeps tickets and delivered
event ids (idempotent, redacted); ``queue`` is the durable task queue (huey) and its consumer;
``worker`` runs one ticket through the agent graph's ticket mode; ``callback`` posts the result
back, signed. The HTTP routes that feed it live in ``api.routers``; the pipeline never imports ``api``.
"""
