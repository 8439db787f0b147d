"""Versioned prompt templates, ``<name>.v<N>.md``, shipped as package data.

This package only locates the files; :mod:`deskpilot.prompts` parses and renders them.
Released versions are never edited: a change is a new file ``<name>.v<N+1>.md``.
"""
