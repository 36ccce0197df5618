"""The one base class for a user's mistake: reported as one line, never a traceback."""


class ConsentryError(Exception):
    """Something the user can fix (bad input, missing setup). The message is one sentence."""
