"""streamproof: a linter for what cuts, stalls or buffers streamed LLM answers."""

__version__ = "0.1.0"
