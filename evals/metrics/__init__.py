"""Eval metrics: retrieval, answer (ragas), routing/behaviour, optional LLM judge, aggregation."""
