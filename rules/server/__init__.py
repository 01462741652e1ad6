"""server rules: app servers as launched (one module per rule: RULE = Rule(...))."""
