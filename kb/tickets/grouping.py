"""Group gap tickets by the problem they share: one group, one future article.

Average-linkage clustering on a blend of two similarities: what the customer asked and what the
agent answered (tickets resolved by the same answer belong together even when customers word
the problem differently). Tickets of different brands or products never share a group.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

# Measured on ../shared/eval/tickets-twitter-dev (see README, "Closing the loop").
PROBLEM_WEIGHT = 0.35
DISTANCE_THRESHOLD = 0.45


def group_tickets(
    problem_vectors: np.ndarray,
    resolution_vectors: np.ndarray,
    brands: Sequence[str | None],
    *,
    problem_weight: float = PROBLEM_WEIGHT,
    threshold: float = DISTANCE_THRESHOLD,
) -> list[list[int]]:
    """Groups of row indexes, largest first; every row is in exactly one group."""
    groups: list[list[int]] = []
    by_brand: dict[str, list[int]] = {}
    for row, brand in enumerate(brands):
        by_brand.setdefault((brand or "").lower(), []).append(row)
    for rows in by_brand.values():
        if len(rows) == 1:
            groups.append(rows)
            continue
        problems = problem_vectors[rows]
        answers = resolution_vectors[rows]
        similarity = problem_weight * (problems @ problems.T) + (1 - problem_weight) * (
            answers @ answers.T
        )
        distance = np.clip(1.0 - similarity, 0.0, 2.0)
        np.fill_diagonal(distance, 0.0)
        tree = linkage(squareform(distance, checks=False), method="average")
        labels = fcluster(tree, t=threshold, criterion="distance")
        clusters: dict[int, list[int]] = {}
        for row, label in zip(rows, labels, strict=True):
            clusters.setdefault(int(label), []).append(row)
        groups.extend(clusters.values())
    return sorted(groups, key=lambda group: (-len(group), group[0]))


def pairwise_scores(groups: Sequence[Sequence[str]], labels: dict[str, str]) -> dict[str, float]:
    """Pairwise precision, recall and F1: two tickets belong together when they share a label."""
    predicted = {frozenset(pair) for group in groups for pair in combinations(sorted(group), 2)}
    by_label: dict[str, list[str]] = {}
    for ticket, label in labels.items():
        by_label.setdefault(label, []).append(ticket)
    truth = {
        frozenset(pair)
        for members in by_label.values()
        for pair in combinations(sorted(members), 2)
    }
    right = len(predicted & truth)
    precision = right / len(predicted) if predicted else 0.0
    recall = right / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pairs": len(predicted)}
