"""What was suggested for which ticket, and what agents did with it: the memory that lets
suggestions learn (similar past tickets lift the articles agents linked)."""

from __future__ import annotations

import math
import threading

import numpy as np

from kb.errors import BadRequest
from kb.state.database import Database, now

ACTIONS = ("linked", "helpful", "not_helpful")
ACTION_SIGN = {"linked": 1.0, "helpful": 1.0, "not_helpful": -1.0}
SIMILAR = 0.6  # past tickets at least this similar (cosine) count
MAX_ADJUSTMENT = 0.15  # the most any amount of feedback moves an article's score, up or down


class SuggestionLog:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._lock = threading.Lock()
        self._cache_key: tuple[int, int] | None = None
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        self._votes: list[list[tuple[str, float]]] = []

    def record_request(
        self,
        request_id: str,
        embedding: np.ndarray,
        kind: str,
        category: str | None,
        slugs: list[str],
        ticket_id: str | None = None,
    ) -> None:
        """A suggestion request: the ticket's embedding (for learning), its triage and what was
        suggested; `ticket_id` names the stored ticket it was made for, if any."""
        with self.database.connect() as connection:
            connection.execute(
                "INSERT INTO suggest_requests (id, created_at, embedding, triage_kind,"
                " triage_category, ticket_id) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    request_id, now(), np.asarray(embedding, np.float32).tobytes(), kind,
                    category, ticket_id,
                ),
            )  # fmt: skip
            connection.executemany(
                "INSERT INTO suggest_results (request_id, slug, rank) VALUES (?, ?, ?)",
                [(request_id, slug, rank) for rank, slug in enumerate(slugs, start=1)],
            )

    def record_feedback(self, request_id: str, slug: str, action: str) -> None:
        if action not in ACTIONS:
            raise BadRequest(f"action must be one of {', '.join(ACTIONS)}", field="action")
        with self.database.connect() as connection:
            found = connection.execute(
                "SELECT 1 FROM suggest_requests WHERE id = ?", (request_id,)
            ).fetchone()
            if found is None:  # the body names it: a bad field, not a missing page
                raise BadRequest(f"no suggestion request '{request_id}'", field="request_id")
            connection.execute(
                "INSERT INTO suggest_feedback (request_id, slug, action, created_at)"
                " VALUES (?, ?, ?, ?)",
                (request_id, slug, action, now()),
            )

    def adjustments(self, embedding: np.ndarray) -> dict[str, float]:
        """Score changes per article from feedback on similar past tickets, each within
        ±MAX_ADJUSTMENT: tanh keeps many votes from adding up without limit."""
        vectors, votes = self._feedback_matrix()
        if not votes:
            return {}
        similarities = vectors @ np.asarray(embedding, np.float32)
        totals: dict[str, float] = {}
        for similarity, request_votes in zip(similarities, votes, strict=True):
            if similarity < SIMILAR:
                continue
            weight = (similarity - SIMILAR) / (1 - SIMILAR) + 0.5
            for slug, sign in request_votes:
                totals[slug] = totals.get(slug, 0.0) + weight * sign
        return {slug: MAX_ADJUSTMENT * math.tanh(total) for slug, total in totals.items()}

    def _feedback_matrix(self) -> tuple[np.ndarray, list[list[tuple[str, float]]]]:
        """Embeddings of past requests that have feedback; reloaded only when feedback grows."""
        with self.database.connect() as connection:
            key = connection.execute(
                "SELECT COALESCE(MAX(id), 0), COUNT(*) FROM suggest_feedback"
            ).fetchone()
            with self._lock:
                if key == self._cache_key:
                    return self._vectors, self._votes
            rows = connection.execute(
                "SELECT r.id, r.embedding, f.slug, f.action FROM suggest_feedback f"
                " JOIN suggest_requests r ON r.id = f.request_id ORDER BY r.id, f.id"
            ).fetchall()
        by_request: dict[str, tuple[np.ndarray, list[tuple[str, float]]]] = {}
        for request_id, blob, slug, action in rows:
            entry = by_request.setdefault(request_id, (np.frombuffer(blob, np.float32), []))
            entry[1].append((slug, ACTION_SIGN[action]))
        vectors = (
            np.vstack([v for v, _ in by_request.values()])
            if by_request
            else np.zeros((0, 0), np.float32)
        )
        with self._lock:
            self._cache_key, self._vectors = key, vectors
            self._votes = [votes for _, votes in by_request.values()]
            return self._vectors, self._votes

    def article_stats(self, slug: str) -> dict[str, int]:
        with self.database.connect() as connection:
            suggested = connection.execute(
                "SELECT COUNT(*) FROM suggest_results WHERE slug = ?", (slug,)
            ).scalar_one()
            rows = connection.execute(
                "SELECT action, COUNT(*) FROM suggest_feedback WHERE slug = ? GROUP BY action",
                (slug,),
            ).fetchall()
        counts = dict(rows)
        return {
            "suggested": suggested,
            "linked": counts.get("linked", 0),
            "helpful": counts.get("helpful", 0),
            "not_helpful": counts.get("not_helpful", 0),
        }
