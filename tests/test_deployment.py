"""compose.yaml and deploy/nginx.conf agree with each other and with the code (Docker cannot run
here: `make test-two-nodes` runs the same topology without it), and an index moves its vectors
to a chroma server once one is named."""

from __future__ import annotations

import re

import pytest
import yaml

from kb.index.generations import IndexLayout, read_manifest
from kb.settings import Settings
from tests.helpers import CHROMA_URL, REPO, CountingEmbedder, build

COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
NGINX = (REPO / "deploy" / "nginx.conf").read_text()
# The web nodes: the services with the state that run the image's own command (the server).
NODES = sorted(name for name, service in SERVICES.items() if "KB_DATABASE_URL" in service.get(
    "environment", {}) and "command" not in service)  # fmt: skip


def test_compose_sets_only_real_settings() -> None:
    settings = {f"KB_{name.upper()}" for name in Settings.names()}
    for name, service in SERVICES.items():
        unknown = [v for v in service.get("environment", {}) if v.startswith("KB_")]
        assert set(unknown) <= settings, f"{name}: {set(unknown) - settings}"


def test_nginx_sends_to_every_node_and_only_to_nodes() -> None:
    upstream = re.search(r"upstream kb_nodes \{(.*?)\}", NGINX, re.S)
    assert upstream is not None
    servers = re.findall(r"^\s*server (\S+?):8000", upstream.group(1), re.M)
    assert len(NODES) >= 2 and sorted(servers) == NODES
    assert re.search(r"location = /metrics \{\s*return 404;", NGINX)  # never from outside


def test_nodes_and_the_indexer_share_the_content_the_index_and_the_stores() -> None:
    indexer = SERVICES["indexer"]
    assert indexer["command"] == ["kb", "watch"]
    for name in [*NODES, "indexer"]:
        service = SERVICES[name]
        environment = service["environment"]
        mounts = dict(reversed(volume.split(":")[:2]) for volume in service["volumes"])
        assert mounts[environment["KB_CONTENT_DIR"]] == "content", name
        assert mounts[environment["KB_DATA_DIR"]] == "data", name
        assert environment["KB_CHROMA_URL"] == indexer["environment"]["KB_CHROMA_URL"], name
    for name in NODES:
        environment = SERVICES[name]["environment"]
        assert environment["KB_PROXY_HOPS"] == "1"  # nginx, and nothing else, in front
        assert environment["KB_RATELIMIT_URL"].startswith("redis://redis:")
        assert "@postgres:" in environment["KB_DATABASE_URL"]
        assert "/readyz" in " ".join(SERVICES[name]["healthcheck"]["test"])


def test_the_outbox_deliverer_shares_the_nodes_settings() -> None:
    outbox = SERVICES["outbox"]
    assert outbox["command"] == ["kb", "outbox", "deliver", "--loop"]
    assert all(outbox["environment"] == SERVICES[name]["environment"] for name in NODES)
    assert "KB_QUEUE_SERVICE_WEBHOOK" in outbox["environment"]


def test_the_chroma_server_keeps_its_data_where_the_image_lets_it_write() -> None:
    command = SERVICES["chroma"]["command"]
    path = command[command.index("--path") + 1]
    assert SERVICES["chroma"]["volumes"] == [f"chroma:{path}"]
    assert re.search(rf"install -d -o 10001 -g 10001 .*{path}", (REPO / "Dockerfile").read_text())


@pytest.mark.skipif(not CHROMA_URL, reason="needs a chroma server (make test-chroma-server)")
def test_a_build_moves_the_vectors_to_a_chroma_server_once_one_is_named(
    content_dir, data_dir
) -> None:
    """An index built into the data folder (the Docker image's) is built afresh on the server
    named since, though no article changed."""
    embedder = CountingEmbedder()
    layout = IndexLayout(data_dir)
    from indexer import BuildOptions, build_index  # noqa: PLC0415

    build_index(BuildOptions(content_dir, data_dir), embedder)
    assert read_manifest(layout.root / layout.current_generation())["vectors"]["store"] == (
        "embedded"
    )
    report = build(content_dir, data_dir, embedder)  # this run's chroma server
    assert report.added and report.generation == layout.current_generation()
    assert read_manifest(layout.root / report.generation)["vectors"]["store"] == "server"
    again = build(content_dir, data_dir, embedder)
    assert again.generation == report.generation  # nothing to do now
