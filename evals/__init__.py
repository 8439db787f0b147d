"""Offline eval harness and deploy gate.

``evals.dataset.load_golden`` → ``evals.runner.run_eval`` (runs the real agent, scores,
writes ``results.json``) → ``evals.gate.check_gate`` → ``evals.report.write_report``.
"""
