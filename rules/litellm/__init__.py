"""litellm rules (one module per rule: RULE = Rule(...))."""
