"""python rules (one module per rule: RULE = Rule(...))."""
