"""What a draft marks for its writer to fill in, and finding what is left of it: a draft with a
placeholder ("(not stated)", "[e-mail address]") is not published until the writer replaces it."""

from __future__ import annotations

import dataclasses
import re

from kb.tickets.scrub import PLACEHOLDERS

NOT_STATED = "(not stated)"
NO_DESCRIPTION = "(no customer description)"
CAUSE_TO_FILL = "_Not stated in the tickets: to be completed by the writer._"
TO_BE_COMPLETED = "_To be completed by the writer._"
# The scrubber's markers before they were readable: drafts and tickets stored then still hold them.
_OLD_MARKERS = ("(link)", "(email)", "(handle)", "(phone)", "(number)", "(card number)",
                "(address)", "(name)", "(id)")  # fmt: skip
TO_FILL = (NOT_STATED, NO_DESCRIPTION, CAUSE_TO_FILL, TO_BE_COMPLETED, *PLACEHOLDERS, *_OLD_MARKERS)
_FOUND = re.compile("|".join(re.escape(p) for p in sorted(TO_FILL, key=len, reverse=True)))


@dataclasses.dataclass(frozen=True)
class Unfilled:
    placeholder: str
    line: int  # in the text it was found in, from 1


def unfilled(text: str) -> list[Unfilled]:
    """Every placeholder left in `text`, with its line."""
    return [
        Unfilled(match.group(0), number)
        for number, line in enumerate(text.splitlines(), 1)
        for match in _FOUND.finditer(line)
    ]


def describe(found: list[Unfilled], limit: int = 5) -> str:
    """ "“(not stated)” on line 14, “[link]” on line 20" for a writer."""
    shown = ", ".join(f"“{u.placeholder}” on line {u.line}" for u in found[:limit])
    more = f" and {len(found) - limit} more" if len(found) > limit else ""
    return shown + more
