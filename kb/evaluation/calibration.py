"""Fitting the confidences of kb.search.answers to labelled queries: logistic regression by
Newton's method, and the floor that keeps a given share of answerable queries. Pure functions
over plain lists; `kb eval ... --calibrate` feeds them the tuning part of the labelled files."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# A little ridge keeps the fit finite when the labels separate perfectly.
RIDGE = 1e-3
# The multipliers fit_multiplier tries, mildest first: 1 down to 0.5 in steps of 0.001.
MULTIPLIERS = tuple(thousandths / 1000 for thousandths in range(1000, 499, -1))


def fit_logistic(
    features: Sequence[Sequence[float]], labels: Sequence[bool], iterations: int = 100
) -> list[float]:
    """Intercept and weights of P(label) = 1 / (1 + exp(-(b0 + b·x))), by maximum likelihood."""
    if len(features) != len(labels) or not labels:
        raise ValueError("needs as many labels as feature rows, and at least one")
    x = np.hstack([np.ones((len(features), 1)), np.asarray(features, dtype=float)])
    y = np.asarray(labels, dtype=float)
    weights = np.zeros(x.shape[1])
    ridge = RIDGE * np.eye(x.shape[1])
    ridge[0, 0] = 0.0  # the intercept is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ weights)))
        gradient = x.T @ (p - y) + ridge @ weights
        hessian = (x.T * (p * (1 - p))) @ x + ridge
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.max(np.abs(step)) < 1e-9:
            break
    return [round(float(w), 3) for w in weights]


def logistic(weights: Sequence[float], row: Sequence[float]) -> float:
    value = weights[0] + sum(w * x for w, x in zip(weights[1:], row, strict=True))
    return 1.0 / (1.0 + math.exp(-value))


def floor_keeping(confidences: Sequence[float], share: float) -> float:
    """The highest floor that at least `share` of these confidences reach (the confidences of
    answerable queries' top results)."""
    if not confidences:
        return 0.0
    ordered = sorted(confidences, reverse=True)
    kept = max(1, math.ceil(share * len(ordered)))
    return ordered[kept - 1]


def fit_multiplier(
    confidences: Sequence[float],
    lowered: Sequence[bool],
    answerable: Sequence[bool],
    keep: float,
    candidates: Sequence[float] = MULTIPLIERS,
) -> float:
    """The multiplier of the `lowered` confidences that leaves the fewest unanswerable queries
    at or above the floor keeping `keep` of the answerable ones (ties: the mildest)."""
    best, fewest = 1.0, math.inf
    for multiplier in candidates:
        scaled = [c * multiplier if low else c for c, low in zip(confidences, lowered, strict=True)]
        kept = [c for c, ok in zip(scaled, answerable, strict=True) if ok]
        floor = floor_keeping(kept, keep)
        passed = sum(c >= floor for c, ok in zip(scaled, answerable, strict=True) if not ok)
        if passed < fewest:
            best, fewest = multiplier, passed
    return best


def precision_coverage(
    confidences: Sequence[float], right: Sequence[bool], threshold: float
) -> tuple[float, float]:
    """Of the items at or above the threshold, the share right; and the share of items there."""
    chosen = [
        ok for confidence, ok in zip(confidences, right, strict=True) if confidence >= threshold
    ]
    precision = sum(chosen) / len(chosen) if chosen else 1.0
    return precision, len(chosen) / len(right) if right else 0.0


def fit_choice(groups: Sequence[tuple[Sequence[Sequence[float]], Sequence[bool]]]) -> list[float]:
    """Weights of a linear score that ranks the right item of each group first (a pairwise
    logistic model: every right item against every wrong one of its group, both ways round),
    divided by the first weight so they are in the first feature's units."""
    differences: list[list[float]] = []
    labels: list[bool] = []
    for rows, right in groups:
        for good, good_row in zip(right, rows, strict=True):
            if not good:
                continue
            for bad, bad_row in zip(right, rows, strict=True):
                if bad:
                    continue
                difference = [a - b for a, b in zip(good_row, bad_row, strict=True)]
                differences += [difference, [-value for value in difference]]
                labels += [True, False]
    if not differences:
        raise ValueError("needs a group with a right and a wrong item")
    weights = fit_logistic(differences, labels)[1:]  # the intercept is 0 by symmetry
    if weights[0] <= 0:
        raise ValueError("the first feature does not rank the right items first")
    return [round(weight / weights[0], 3) for weight in weights]
