"""k8s rules (one module per rule: RULE = Rule(...))."""
