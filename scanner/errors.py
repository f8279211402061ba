"""Errors that end a run with exit code 2 (DESIGN.md: usage or input error)."""


class InputError(Exception):
    """Bad input file, rule file or option: the CLI prints the message on one line and exits 2.

    The message must name the file (or option) and what is wrong with it, because the user has
    nothing else to go on: no report is written.
    """
