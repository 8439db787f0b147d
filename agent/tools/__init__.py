"""Typed, permissioned tools behind the :class:`ToolBackend` seam."""

from agent.tools.backend import SqlToolBackend, ToolBackend
from agent.tools.registry import TOOLS, ToolCall, ToolSpec
from agent.tools.seed import seed_from_file

__all__ = ["TOOLS", "SqlToolBackend", "ToolBackend", "ToolCall", "ToolSpec", "seed_from_file"]
