"""What marks a file as NGINX before any parse: the block lines and the folder names. Shared by
the detector (names, a look at the bytes) and the content test (sniff.py), which both sit
before parsing in the flow."""

from __future__ import annotations

import re

# A line opening one of NGINX's main blocks.
BLOCK_SIGNAL = re.compile(rb"(?m)^[ \t]*(?:http|server|location|upstream|events)\b[^;{}\n]*\{")
NGINX_FOLDERS = ("nginx", "conf.d", "sites-available", "sites-enabled", "http.d", "snippets")


def in_nginx_folder(relpath: str) -> bool:
    folders = relpath.lower().split("/")[:-1]
    return any(folder in NGINX_FOLDERS or "nginx" in folder for folder in folders)
