"""A draft's Environment: only values that are what they claim. A platform is named as its
maker writes it (so "edge" in "the edge of the screen" is no browser), and a version is a
version: after a platform, "version", "v" or "build", or with three or four parts, never a time
("12:55.002") or an amount ("$7.50")."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from kb.assist.ticket_text import error_codes
from kb.tickets.records import StoredTicket
from kb.tickets.scrub import scrub_personal_data

PLATFORMS = ("iOS", "iPhone", "iPad", "Android", "Windows", "Mac", "macOS", "Linux", "Chromebook",
             "PS4", "PS5", "Xbox", "Nintendo Switch", "Chrome", "Firefox", "Safari", "Edge",
             "Smart TV", "Roku", "Fire TV", "Apple TV")  # fmt: skip
# Written in any case without doubt ("ios", "ps4"); the rest only as their makers write them.
_ANY_CASE = {"iOS", "iPhone", "iPad", "Android", "macOS", "Linux", "PS4", "PS5", "Xbox", "Roku"}
_VERSIONED = r"iOS|iPadOS|Android|macOS|OS X|Windows|Chrome|Firefox|Safari|Edge|Xbox|PS[45]|app"
_NAMED_VERSION = re.compile(
    rf"\b(?:(?:{_VERSIONED})|version|ver\.?|v|build|update|firmware|release)\s?"
    r"(\d{1,4}(?:\.\d{1,4}){0,3})(?![\d:])(?!\.\d)",
    re.IGNORECASE,
)
# Three or four dotted parts: a version without a name ("8.5.50.916"), not a time or an amount
_BARE_VERSION = re.compile(r"(?<![\d:$€£.,])\b\d{1,4}\.\d{1,4}\.\d{1,5}(?:\.\d{1,5})?\b(?![\d:%])")
_PLATFORM_NAME = re.compile(rf"\b({_VERSIONED})\b", re.IGNORECASE)
MAX_VERSIONS = 6


def platforms(text: str) -> list[str]:
    return [
        name
        for name in PLATFORMS
        if re.search(rf"(?<![\w-]){re.escape(name)}\b", text, 0 if name not in _ANY_CASE else re.I)
    ]


def versions(text: str) -> list[str]:
    """Versions as written with what they are of: "iOS 13.4", "version 8.5.50", "8.5.50.916"."""
    found: list[str] = []
    for match in _NAMED_VERSION.finditer(text):
        named = _PLATFORM_NAME.match(match.group(0))
        number = match.group(1)
        if "." not in number and not named:
            continue  # "update 3" or "v2" alone says too little
        label = named.group(1) if named else "version"
        if named and named.group(1).lower() == "app":
            label = "app"
        found.append(f"{_canonical(label)} {number}")
    for match in _BARE_VERSION.finditer(text):
        if not any(match.group(0) in version for version in found):
            found.append(match.group(0))
    return list(dict.fromkeys(found))[:MAX_VERSIONS]


def _canonical(label: str) -> str:
    names = {name.lower(): name for name in (*PLATFORMS, "iPadOS", "OS X")}
    return names.get(label.lower(), label.lower())


def environment(tickets: Sequence[StoredTicket]) -> list[str]:
    """Product, platforms, versions and error codes the customers named."""
    said = "\n".join(html.unescape(t.customer_text()) for t in tickets)
    text = scrub_personal_data(said)
    lines = []
    brands = sorted({t.brand for t in tickets if t.brand})
    if brands:
        lines.append("Product: " + ", ".join(brands))
    named = platforms(text)
    if named:
        lines.append("Platforms: " + ", ".join(named))
    found = versions(text)
    if found:
        lines.append("Versions: " + ", ".join(found))
    codes = error_codes(
        text + "\n" + scrub_personal_data(" ".join(t.agent_text() for t in tickets))
    )
    if codes:
        lines.append("Error codes: " + ", ".join(codes))
    return lines
