"""`python -m linter` is `streamproof`."""

from linter.cli import main

if __name__ == "__main__":
    main(prog_name="streamproof")
