"""A toy kind of file used to test the engine on its own: `key = value` lines in `*.toy`.

Rule TOY001 flags `timeout = N` with N below 10 and offers a safe fix raising it to 10;
TOY002 flags `cap` missing with an unsafe fix adding `cap = 5` at the end. A line without
`=` is a parse error (TOY000); a line `!!` is a fatal one.
"""
