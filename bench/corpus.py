"""A large, realistic knowledge base for benchmarks, generated reproducibly (seeded).

Articles are assembled from the demo content's own sentences and headings, with products,
platforms, error codes and numbers varied, so keyword postings and section lengths look like a
real help center's rather than lorem ipsum.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from kb.content.loading import load_content

PRODUCTS = ["Driftbox", "Vault", "Paper", "Transfer", "Backup", "Replay", "Sign", "Capture"]
PLATFORMS = [
    "Windows 11",
    "Windows 10",
    "macOS 14",
    "macOS 15",
    "Ubuntu 24.04",
    "iOS 18",
    "Android 15",
    "ChromeOS",
    "iPadOS 18",
    "Fedora 41",
]
VERBS = [
    "Set up",
    "Fix",
    "Troubleshoot",
    "Manage",
    "Change",
    "Turn off",
    "Restore",
    "Share",
    "Export",
    "Move",
    "Recover",
    "Limit",
    "Schedule",
    "Approve",
    "Connect",
]
OBJECTS = [
    "offline files",
    "team folders",
    "camera uploads",
    "version history",
    "shared links",
    "invoices",
    "seat licenses",
    "device approvals",
    "audit logs",
    "bandwidth limits",
    "file requests",
    "watermarks",
    "legal holds",
    "SAML sign-in",
    "smart sync",
    "LAN sync",
    "selective sync",
    "external drives",
    "photo backups",
    "API tokens",
]
CATEGORIES = [
    "account",
    "billing",
    "privacy",
    "getting-started",
    "sync",
    "sharing",
    "integrations",
    "performance",
    "admin",
    "mobile",
]


def generate_corpus(target: Path, articles: int, demo_content: Path, seed: int = 7) -> int:
    """Write `articles` Markdown files under target; returns the number of sections."""
    rng = random.Random(seed)
    loaded = load_content(demo_content).articles
    sentences = [
        s
        for a in loaded
        for sec in a.sections
        for s in re.split(r"(?<=[.!?])\s+", sec.text)
        if 6 <= len(s.split()) <= 40
    ]
    headings = [sec.title for a in loaded for sec in a.sections if sec.anchor]
    sections = 0
    for number in range(articles):
        product, platform = rng.choice(PRODUCTS), rng.choice(PLATFORMS)
        topic = rng.choice(OBJECTS)
        title = f"{rng.choice(VERBS)} {topic} in {product} on {platform}"
        category = rng.choice(CATEGORIES)
        lines = [
            "---",
            f"title: {title}",
            f"category: {category}",
            f"tags: [{topic}, {product.lower()}, {platform.split()[0].lower()}]",
            f"kind: {rng.choice(['service', 'support'])}",
            f"audience: {'internal' if rng.random() < 0.08 else 'public'}",
            "---",
            vary(rng.choice(sentences), rng, product, platform, topic),
            "",
        ]
        for _ in range(rng.randint(3, 6)):
            sections += 1
            lines += [f"## {vary(rng.choice(headings), rng, product, platform, topic)}", ""]
            body = [
                vary(rng.choice(sentences), rng, product, platform, topic)
                for _ in range(rng.randint(3, 8))
            ]
            lines += [" ".join(body), ""]
        path = (
            target / category / f"{number:05d}-{re.sub(r'[^a-z0-9]+', '-', title.lower())[:50]}.md"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines))
    return sections + articles


def vary(text: str, rng: random.Random, product: str, platform: str, topic: str) -> str:
    text = text.replace("Driftbox", product)
    text = re.sub(r"DBX-\d{3}", lambda _: f"DBX-{rng.randint(100, 999)}", text)
    text = re.sub(
        r"\b\d+(?=\s?(GB|TB|MB|days|hours|minutes|seconds)\b)",
        lambda _: str(rng.randint(1, 500)),
        text,
    )
    if rng.random() < 0.3:
        text += f" This applies to {topic} on {platform}."
    return text
