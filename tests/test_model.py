"""The real model, chromadb and whoosh on the demo content: search quality per mode on labelled
queries, paraphrases, suggestion quality and triage on labelled tickets, and gunicorn --preload.

Figures are printed at the end of the run (see conftest.pytest_terminal_summary)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from indexer import BuildOptions, build_index
from kb.assist.suggestions import AgentAssist
from kb.assist.ticket_text import Ticket, messages_from
from kb.evaluation import answers as answer_figures
from kb.evaluation import runs as evaluation
from kb.evaluation.drafts import measure_drafts
from kb.evaluation.metrics import mrr_at_k
from kb.index.embeddings import MiniLMEmbedder
from kb.index.passages import section_vectors
from kb.search.engine import open_engine
from kb.search.spelling import words
from kb.settings import Settings
from kb.tickets.drafts import generate_drafts
from kb.tickets.grouping import pairwise_scores
from kb.tickets.sources import read_ticket_file
from tests.helpers import FIGURES, REPO, free_port, stop_server

pytestmark = pytest.mark.model
DEMO_CONTENT = REPO / "content"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo-index")
    embedder = MiniLMEmbedder(adapt=True)  # as `KB_EMBEDDER=minilm` (the default) builds
    report = build_index(BuildOptions(DEMO_CONTENT, data_dir), embedder)
    assert not report.problems, [str(p) for p in report.problems]
    settings = Settings(content_dir=DEMO_CONTENT, data_dir=data_dir)
    engine = open_engine(settings, embedder)
    FIGURES["index"] = {
        "articles": len(report.added),
        "sections": report.sections,
        "seconds": round(report.seconds, 1),
    }
    return engine


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_demo_content_is_clean_and_big_enough(demo) -> None:
    index = demo.current_index()
    public = [a for a in index.articles.values() if a.is_public]
    internal = [a for a in index.articles.values() if a.audience == "internal"]
    assert len(public) >= 40 and len(internal) >= 5
    assert {a.kind for a in public} == {"service", "support"}


def test_labelled_queries_hybrid_at_least_as_good_as_either_half(demo) -> None:
    queries = evaluation.load_query_file(DATA / "demo_queries.jsonl")
    assert len(queries) >= 25
    runs = evaluation.retrieve_all(demo, queries)
    index = demo.current_index()
    settings = demo.settings
    scores = evaluation.score_modes(
        runs,
        index,
        ["keyword", "semantic", "hybrid"],
        settings.fusion,
        settings.semantic_weight,
        settings.rrf_k,
    )
    FIGURES["demo queries"] = {mode: round(m["ndcg@10"], 3) for mode, m in scores.items()}
    assert scores["hybrid"]["ndcg@10"] >= max(
        scores["keyword"]["ndcg@10"], scores["semantic"]["ndcg@10"]
    )
    assert scores["hybrid"]["recall@10"] >= 0.85


def test_paraphrases_find_articles_without_sharing_their_words(demo) -> None:
    """Queries none of whose words (beyond stop words) occur in the right article."""
    index = demo.current_index()
    checked = found = refused = 0
    for item in load_jsonl(DATA / "demo_queries.jsonl"):
        slug = item["relevant"][0]
        article = index.articles[slug]
        article_words = set(words(" ".join([article.title, article.body, " ".join(article.tags)])))
        content_words = {w for w in words(item["query"]) if len(w) > 3} - {
            "what",
            "when",
            "where",
            "does",
            "with",
            "have",
            "that",
            "this",
            "from",
            "your",
            "will",
            "there",
        }
        if content_words & article_words:
            continue
        checked += 1
        # Retrieval, before the floor: whether search also says it has a good match is the
        # no-good-match decision's (test_answers_sections_and_knowing_when_nothing_answers).
        top = [article.slug for article, _, _ in demo.rank(item["query"])[:5]]
        found += any(s in top for s in item["relevant"])
        refused += demo.search(item["query"]).no_good_match
    FIGURES["paraphrases"] = {
        "queries sharing no word with their article": checked,
        "found in top 5": found,
        "told no good match": refused,
    }
    assert checked >= 3
    assert found / checked >= 0.6


def test_answers_sections_and_knowing_when_nothing_answers(demo) -> None:
    """The answer figures of `kb eval tests/data/demo_sections.jsonl --unanswerable ...` on
    both parts; the floors sit a little under what was measured (README, "Search quality"),
    so a regression in section choice, confidence or the floor crosses one."""
    labelled = answer_figures.load_answer_file(DATA / "demo_sections.jsonl")
    refused = answer_figures.load_unanswerable_file(DATA / "unanswerable.jsonl")
    seen = [(label, answer_figures.observe(demo, label.text)) for label in labelled]
    told = [(query, answer_figures.observe(demo, query.text)) for query in refused]
    parts = answer_figures.figures_by_part(seen, told)
    FIGURES["answers"] = {
        part: {name: round(value, 3) for name, value in figures.items()}
        for part, figures in parts.items()
    }
    everything = parts["all"]
    assert everything["section hit@1"] >= 0.68
    assert everything["answer precision"] >= 0.85 and everything["answer coverage"] >= 0.48
    assert everything["false-answer rate"] <= 0.4
    assert everything["answerable kept"] >= 0.96
    # keyboard mash and small talk are never answered
    for query, shown in told:
        if query.kind in ("mash", "general"):
            assert shown.answer is None, query.text


def ticket_outcomes(demo, tickets: list[dict], clean: bool) -> list[dict]:
    """What agent assist made of each labelled ticket."""
    assist = AgentAssist(demo, None)
    outcomes = []
    for item in tickets:
        ticket = Ticket(
            item.get("subject", ""), item.get("body", ""), messages_from(item.get("messages", []))
        )
        result = assist.suggest(ticket, limit=10, clean=clean)
        slugs = [s.article.slug for s in result.suggestions]
        relevant = set(item["relevant"])
        outcomes.append(
            {
                "hit@1": bool(slugs[:1] and slugs[0] in relevant),
                "hit@5": bool(relevant & set(slugs[:5])),
                "mrr": mrr_at_k(slugs, {s: 1 for s in relevant}, 10),
                "triage kind": result.triage.kind == item["kind"],
                "triage category": result.triage.category == item["category"],
                "top": (result.suggestions[0].confidence, slugs[0] in relevant)
                if result.suggestions
                else None,
            }
        )
    return outcomes


def ticket_metrics(outcomes: list[dict]) -> dict:
    """Each figure's mean over the tickets."""
    figures = ("hit@1", "hit@5", "mrr", "triage kind", "triage category")
    return {f: round(sum(o[f] for o in outcomes) / len(outcomes), 3) for f in figures}


# The labelled tickets in two parts (tests/data/README.md): tickets.jsonl, on which the
# confidence scale (kb/assist/suggestions.py) was set and may be re-set, and
# tickets_holdout.jsonl, every fourth of the original 72, kept out of any tuning since
# 2026-12-01. It was among the tickets the scale was first set on, so until the scale is next
# changed its figures are no more independent than the others'.
TICKET_PARTS = {"tuning": "tickets.jsonl", "held out": "tickets_holdout.jsonl"}
# Floors a regression would cross: about three tickets below the figures of 2026-12-01 on the
# tuning part (hit@1 0.889, MRR 0.933, kind 0.944, category 0.759, hit@5 1.0) and two on the
# held-out part (0.722, 0.852, 0.889, 0.778, 1.0); a ticket is 0.019 of the one, 0.056 of the
# other. Raise them when the figures rise; never lower one to let a change in.
TICKET_FLOORS = {
    "tuning": {"hit@1": 0.83, "hit@5": 0.94, "mrr": 0.89, "triage kind": 0.88,
               "triage category": 0.70},
    "held out": {"hit@1": 0.61, "hit@5": 0.88, "mrr": 0.78, "triage kind": 0.77,
                 "triage category": 0.66},
}  # fmt: skip


def test_suggestions_and_triage_on_labelled_tickets(demo) -> None:
    parts = {name: load_jsonl(DATA / file) for name, file in TICKET_PARTS.items()}
    assert (len(parts["tuning"]), len(parts["held out"])) == (54, 18)
    cleaned = {name: ticket_outcomes(demo, t, clean=True) for name, t in parts.items()}
    raw = {name: ticket_outcomes(demo, t, clean=False) for name, t in parts.items()}
    for outcomes in (cleaned, raw):
        outcomes["all"] = outcomes["tuning"] + outcomes["held out"]
    for name, outcomes in cleaned.items():
        figures, raw_figures = ticket_metrics(outcomes), ticket_metrics(raw[name])
        FIGURES[f"tickets ({name}, {len(outcomes)}), cleaned"] = figures
        FIGURES[f"tickets ({name}, {len(outcomes)}), not cleaned"] = raw_figures
        FIGURES[f"tickets ({name}), top-1 right by confidence"] = reliability(
            [o["top"] for o in outcomes if o["top"]]
        )
        for figure, floor in TICKET_FLOORS.get(name, {}).items():
            assert figures[figure] >= floor, (name, figure, figures[figure])
        # Cleaning (signatures, quotes and log lines out) keeps the gold in the top five, all but
        # at most one ticket a part: with the model adapted to the content, "Files from Mac
        # colleague never arrive on my PC" has it sixth once its log lines go (fifth as shipped).
        lost = round((raw_figures["hit@5"] - figures["hit@5"]) * len(outcomes))
        assert lost <= 1, (name, figures["hit@5"], raw_figures["hit@5"])
    # Confidence means something: the most confident third is right more often than the least.
    # The scale's ends were set on these tickets so that it is (the held-out part included,
    # before the split): this checks that it stays so, it is no independent evidence.
    buckets = FIGURES["tickets (all), top-1 right by confidence"]
    assert buckets["high"][1] > buckets["low"][1]


def reliability(pairs: list[tuple[float, bool]]) -> dict[str, tuple[int, float, str]]:
    """Tickets split in thirds by top-1 confidence: (count, share right) in each."""
    ordered = sorted(pairs)
    third = len(ordered) // 3
    groups = {"low": ordered[:third], "middle": ordered[third:-third], "high": ordered[-third:]}
    return {
        name: (
            len(group),
            round(sum(right for _, right in group) / len(group), 3),
            f"{group[0][0]:.2f}-{group[-1][0]:.2f}",
        )
        for name, group in groups.items()
    }


def test_gunicorn_preload_serves_real_searches(demo) -> None:
    """The `make run` way: the model loaded before the fork, two workers answering."""
    port = free_port()
    env = {
        **os.environ,
        "KB_DATA_DIR": str(demo.settings.data_dir),
        "KB_CONTENT_DIR": str(DEMO_CONTENT),
        "HF_HUB_OFFLINE": "1",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--preload",
        "--workers",
        "2",
        "--config",
        str(REPO / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "web:create_app()",
    ]
    server = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop_server reaches the workers
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        for _ in range(6):  # reaches both workers
            url = f"http://127.0.0.1:{port}/api/v1/search?q=how+do+I+get+my+money+back"
            with urllib.request.urlopen(url, timeout=20) as response:
                body = json.loads(response.read())
            assert body["results"], body
    finally:
        stop_server(server)  # graceful_timeout is 10 s; killed if it has not stopped in 15


# ../shared/eval beside the repository; EVAL_DATA names it from elsewhere (a git worktree).
DEV_TICKETS = Path(os.environ.get("EVAL_DATA", REPO.parent / "shared" / "eval")) / (
    "tickets-twitter-dev"
)
PERSONAL = [
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),  # e-mail
    re.compile(r"(?<![\w(])@\w+"),  # handle
    re.compile(r"https?:\s?//|www\."),  # link
    re.compile(r"\bUC[\w-]{20,}"),  # channel id
    re.compile(r"\+?\d[\d ().-]{8,}\d"),  # phone or long number
]


@pytest.mark.skipif(not DEV_TICKETS.exists(), reason="needs ../shared/eval beside the repository")
def test_dev_tickets_grouped_well_and_drafts_carry_no_personal_data(demo, tmp_path) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, content)
    tickets, problems = read_ticket_file(DEV_TICKETS / "tickets.jsonl")
    assert not problems
    report = generate_drafts(tickets, AgentAssist(demo, None), content)
    labels = dict(
        line.split("\t")
        for line in (DEV_TICKETS / "labels.tsv").read_text().split("\n")[1:]
        if line
    )
    groups = [d.ticket_ids for d in report.drafts] + [g.ticket_ids for g in report.unanswered]
    groups += [[t] for t in report.singletons + report.covered]
    assert sorted(t for group in groups for t in group) == sorted(t.id for t in tickets)
    scores = pairwise_scores(groups, labels)
    FIGURES["grouping of the dev tickets"] = {k: round(v, 3) for k, v in scores.items()} | {
        "drafts": len(report.drafts),
        "need an answer": len(report.unanswered),
        "singletons": len(report.singletons),
        "covered": len(report.covered),
    }
    # The grouping's weight and threshold (kb/tickets/grouping.py) were chosen on these same dev
    # tickets (a development set, tuned on freely; its labels are never read by the code): this
    # floor guards against regressions (issue 15: 0.70), it does not measure unseen tickets.
    assert scores["f1"] >= 0.7 and scores["precision"] > scores["recall"]
    # what a writer would not keep (kb/evaluation/drafts.py): none of it in any draft
    counts, which = measure_drafts([d.path for d in report.drafts], tickets, demo.embedder.embed)
    FIGURES["drafts a writer would not keep"] = counts
    assert counts == dict.fromkeys(counts, 0), which
    said = " ".join(m.body for t in tickets for m in t.messages)
    # handles that are also ordinary words ("@windows") cannot be told from the word itself
    ordinary = {w.lower() for w in re.findall(r"(?<![@\w])([A-Za-z]{3,})\b", said)}
    brands = {(t.brand or "").lower() for t in tickets}
    handles = {h.lower() for h in re.findall(r"@(\w{3,})", said)} - ordinary
    handles = {h for h in handles if not any(h in brand for brand in brands)}
    for draft in report.drafts:
        body = draft.path.read_text().split("\n---\n", 1)[1]  # front matter holds ticket ids
        for pattern in PERSONAL:
            assert not pattern.search(body), (
                draft.path.name,
                pattern.pattern,
                pattern.search(body),
            )
        lowered = body.lower()
        leaked = [h for h in handles if re.search(rf"\b{re.escape(h)}\b", lowered)]
        assert not leaked, (draft.path.name, leaked[:5])


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("refnud", "request-a-refund"),
        ("pasword reset", "reset-your-password"),
        ("synchronise only some folders", "choose-folders-to-sync"),
        ("stop paying", "cancel-subscription"),
        ("plans and pricing", "plans-and-pricing"),
        ("DBX-301", "storage-full-sync-paused"),
    ],
)
def test_typos_synonyms_and_exact_words_on_the_demo_content(demo, query, slug) -> None:
    top = [r.article.slug for r in demo.search(query, limit=3).results]
    assert slug in top, top


def test_did_you_mean_and_autocomplete_on_the_demo_content(demo) -> None:
    assert demo.search("refnud").did_you_mean == "refund"
    assert demo.search("cancel subscription").did_you_mean is None
    index = demo.current_index()
    completions = index.autocomplete.complete("canc")
    assert completions[0].text == "Cancel your subscription"
    assert all(index.articles[s.slug].is_public for s in completions)  # never an internal one


def demo_passages(engine) -> list[str]:
    """Every text the demo index embeds (headings and passages), in the index's order."""
    return [
        text
        for article in engine.current_index().articles.values()
        for section in article.sections
        for _, text in section_vectors(article, section)
    ]


def test_reduced_precision_embeds_what_full_precision_does(demo) -> None:
    """bfloat16 (where the CPU has it) may only round the float32 vectors, and a query embedded
    on its own path equals the same text embedded in a batch."""
    fast, full = demo.embedder, MiniLMEmbedder(full_precision=True)
    passages = demo_passages(demo)[:200]
    texts = ["How do I get a refund?", "sync stuck at 99% after the desktop update " * 40]
    fast_vectors, full_vectors = fast.embed(texts + passages), full.embed(texts + passages)
    assert fast_vectors.dtype == full_vectors.dtype == "float32"
    cosines = (fast_vectors * full_vectors).sum(axis=1)
    assert cosines.min() > 0.999
    FIGURES["cosine to float32, 200 demo passages"] = {
        "min": round(float(cosines.min()), 5),
        "mean": round(float(cosines.mean()), 5),
    }
    for text, vector in zip(texts, fast_vectors[: len(texts)], strict=True):
        assert abs(float(fast.embed_query(text) @ vector) - 1.0) < 1e-4
        assert abs(float(vector @ vector) - 1.0) < 1e-5


def test_batches_of_like_length_embed_what_encode_does_in_the_callers_order(demo) -> None:
    """embed() batches texts by their length in word pieces: each row must still be its own
    text's vector, as sentence-transformers' encode() computes it."""
    embedder = demo.embedder
    long = "sync stuck at 99% after the desktop update " * 40
    texts = demo_passages(demo)[:150:2] + ["refund", long]
    embedder.batch_size = 8  # several batches, each of a different length
    try:
        ours = embedder.embed(texts)
    finally:
        embedder.batch_size = MiniLMEmbedder().batch_size
    theirs = embedder._load().encode(texts, batch_size=8, convert_to_numpy=True)
    theirs = theirs.astype("float32") / np.linalg.norm(theirs, axis=1, keepdims=True)
    assert (ours * theirs).sum(axis=1).min() > 0.9999


def test_tickets_with_two_requests_get_both_answers(demo) -> None:
    """The labelled two-request tickets (tests/data/multi_issue_tickets.jsonl): both gold
    articles among the first five suggestions, and the usual figures on the first gold."""
    tickets = load_jsonl(DATA / "multi_issue_tickets.jsonl")
    assert len(tickets) >= 12
    assist = AgentAssist(demo, None)
    both = hit1 = hit5 = mrr = split = 0.0
    mixed_confidence: list[float] = []
    for item in tickets:
        result = assist.suggest(Ticket(item["subject"], item["body"]), limit=10)
        slugs = [s.article.slug for s in result.suggestions]
        relevant = set(item["relevant"])
        both += relevant <= set(slugs[:5])
        hit1 += bool(slugs[:1] and slugs[0] in relevant)
        hit5 += bool(relevant & set(slugs[:5]))
        mrr += mrr_at_k(slugs, {s: 1 for s in relevant}, 10)
        split += len(result.requests) > 1
        if len({r["kind"] for r in item["requests"]}) > 1:
            mixed_confidence.append(result.triage.confidence)
    count = len(tickets)
    figures = {
        "both in top 5": round(both / count, 3),
        "hit@1": round(hit1 / count, 3),
        "hit@5": round(hit5 / count, 3),
        "mrr": round(mrr / count, 3),
        "split into requests": round(split / count, 3),
        "triage confidence, service + support": round(
            sum(mixed_confidence) / len(mixed_confidence), 3
        ),
    }
    FIGURES["tickets with two requests"] = figures
    assert figures["both in top 5"] >= 0.8
    assert figures["hit@5"] >= 0.95


def test_answer_bot_on_the_scripted_conversations(demo) -> None:
    """`python -m bench.bot`'s figures on tests/data/conversations.jsonl, with floors under what
    it measured on all conversations (README, "The help widget and its answer bot")."""
    from kb.bot.answering import AnswerBot  # noqa: PLC0415 - this test's alone
    from kb.bot.evaluation import figures, load_conversations, play  # noqa: PLC0415

    bot = AnswerBot(demo)
    turns = [t for c in load_conversations(DATA / "conversations.jsonl") for t in play(bot, c)]
    shown = figures(turns)
    FIGURES["answer bot, all conversations"] = {
        name.strip(): value for name, value in shown.items() if name != "turns"
    }
    assert shown["answer accuracy"] >= 0.6 and shown["  right article"] >= 0.8
    assert shown["  gold in the top 3"] >= 0.9  # the answer article's next section among them
    assert shown["follow-up accuracy"] >= 0.78
    assert shown["  handover turns: a person offered"] >= 0.8 and shown["correct hand-over"] >= 0.72
    assert shown["wrong hand-over (a person instead of an answer)"] <= 0.05
    index = demo.current_index()
    for turn in turns:
        for choice in [turn.reply.answer, *turn.reply.alternatives]:
            assert choice is None or index.articles[choice.article.slug].is_public
