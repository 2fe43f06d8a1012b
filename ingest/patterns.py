"""Regular expressions that Python's ``re`` scans quickly.

``re`` finds a pattern that starts with a literal or a class of characters
by skipping ahead to them; a pattern that starts with a lookbehind, ``\\b``
or an alternation of words is instead tried at every position of the text,
each alternative in turn. Put behind a lookahead for the characters every
match starts with, the same pattern finds the same matches 2-4x faster on
the text of a post (issue 18: the actor and exemption patterns).
"""

from __future__ import annotations

import re


def led_by(first: str, pattern: str, flags: int = 0) -> re.Pattern:
    """``pattern`` compiled behind a lookahead for ``first``, a character
    class every match of it starts with (with ``re.IGNORECASE`` in
    ``flags``, in either case). If ``first`` leaves out a character some
    match starts with, that match is lost: keep it a superset.

    >>> led_by("[A-Z]", r"(?<![a-z])(?:Police|Sheriff)").findall("a Sheriff")
    ['Sheriff']
    >>> led_by("[f5]", r"FOIA|552", re.IGNORECASE).findall("foia, 5 U.S.C. 552")
    ['foia', '552']
    """
    return re.compile(rf"(?={first})(?:{pattern})", flags)
