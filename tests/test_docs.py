"""The README documents every setting, and the CLI starts without loading heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kb.errors import ConfigurationError
from kb.settings import Settings
from tests.helpers import REPO


def test_readme_documents_every_setting() -> None:
    readme = (REPO / "README.md").read_text()
    missing = [name for name in Settings.names() if f"`KB_{name.upper()}`" not in readme]
    assert missing == []


def test_cli_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from cli import main; "
        "CliRunner().invoke(main, ['--help']); "
        "print(sorted(m for m in ('torch', 'chromadb', 'sentence_transformers', 'flask', 'whoosh')"
        " if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout
    assert output.strip() == "[]"


@pytest.mark.parametrize(
    "environ",
    [
        {"KB_FUSION": "magic"},
        {"KB_SEMANTIC_WEIGHT": "2"},
        {"KB_CANDIDATES": "many"},
        {"KB_EMBEDDER": "minilm-int8"},
        {"KB_SEARCH_RATE_LIMIT": "lots per minute"},
        {"KB_WRONG_KEY_RATE_LIMIT": "10"},
        {"KB_RATELIMIT_URL": "memcached://127.0.0.1:11211"},
        {"KB_SESSION_IDLE_MINUTES": "0"},
        {"KB_SESSION_MAX_HOURS": "-1"},
    ],
)
def test_bad_settings_name_the_variable(environ: dict) -> None:
    with pytest.raises(ConfigurationError) as error:
        Settings.from_env(environ)
    assert next(iter(environ)) in str(error.value)


def test_settings_from_environment() -> None:
    settings = Settings.from_env({"KB_SEMANTIC_WEIGHT": "0.3", "KB_FUSION": "rrf", "OTHER": "x"})
    assert (settings.semantic_weight, settings.fusion) == (0.3, "rrf")


@pytest.mark.parametrize("keys", ["agent", "boss:0123456789abcdef0123", "admin:short"])
def test_bad_operator_keys_are_a_configuration_error_naming_the_setting(keys: str) -> None:
    from kb.state.auth import parse_env_keys  # noqa: PLC0415

    with pytest.raises(ConfigurationError, match="KB_API_KEYS entry 1"):
        parse_env_keys(keys)
