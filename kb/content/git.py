"""The content folder as a git repository: commit what the studio published, on the branch that
is checked out or on a branch of its own for review, with the git command line.

Committing to the checked-out branch commits only the files published (whatever else a writer
has staged or changed in their editor stays as it was). Committing to a review branch never
touches the working tree or the index: the commit is built in a temporary index from the
branch's tip (or HEAD), and the branch is moved only if nobody moved it meanwhile.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from kb.errors import Conflict, KBError

STUDIO_TRAILER = "Published-with: kb studio"  # marks the commits this module made


class GitFailed(KBError):
    """git refused (a repository in the middle of a merge, a broken index...): said as git said."""

    status = 500
    code = "git_failed"


@dataclasses.dataclass(frozen=True)
class Author:
    name: str
    email: str


def _git(
    root: Path,
    *arguments: str,
    environment: Mapping[str, str] | None = None,
    stdin: str | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["git", "-C", str(root), *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(environment or {})},
        timeout=60,
    )
    if check and done.returncode != 0:
        raise GitFailed(f"git {arguments[0]} failed: {done.stderr.strip()[:300]}")
    return done


def repository_root(folder: Path) -> Path | None:
    """The top of the git work tree `folder` is in, or None (no repository, or no git)."""
    try:
        done = _git(Path(folder), "rev-parse", "--show-toplevel", check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def _identity(root: Path, author: Author | None) -> dict[str, str]:
    """The writer as author; the committer is git's own identity, or the writer when the
    server's git has none (a fresh machine would refuse to commit at all)."""
    environment: dict[str, str] = {}
    if author is not None:
        environment |= {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email}
        if not _git(root, "config", "user.email", check=False).stdout.strip():
            environment |= {"GIT_COMMITTER_NAME": author.name,
                            "GIT_COMMITTER_EMAIL": author.email}  # fmt: skip
    return environment


def tracked(root: Path, path: Path) -> bool:
    return _git(root, "ls-files", "--error-unmatch", "--", str(path), check=False).returncode == 0


def commit_files(root: Path, paths: Sequence[Path], message: str, author: Author | None) -> str:
    """Commit these files as they are now in the working tree (added, changed or deleted) to the
    checked-out branch, and nothing else; returns the commit's id."""
    wanted = [p for p in paths if p.exists() or tracked(root, p)]
    _git(root, "add", "--all", "--", *map(str, wanted))
    _git(root, "commit", "--only", "--no-verify", "--quiet", "-m",
         f"{message}\n\n{STUDIO_TRAILER}", "--", *map(str, wanted),
         environment=_identity(root, author))  # fmt: skip
    return _git(root, "rev-parse", "HEAD").stdout.strip()


def branch_tip(root: Path, branch: str) -> str | None:
    done = _git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}",
                check=False)  # fmt: skip
    return done.stdout.strip() or None


def merged(root: Path, branch: str) -> bool:
    """Whether the branch's tip is already part of the checked-out branch."""
    tip = branch_tip(root, branch)
    return tip is not None and (
        _git(root, "merge-base", "--is-ancestor", tip, "HEAD", check=False).returncode == 0
    )


def commit_to_branch(
    root: Path,
    branch: str,
    files: Mapping[Path, str | None],
    message: str,
    author: Author | None,
) -> str:
    """One commit on `branch` (made from HEAD when it does not exist) writing each file's text,
    or removing it (None), without touching the working tree; returns the commit's id.

    A branch whose tip someone else committed (a reviewer's edit) is a Conflict: the studio
    would otherwise replace their work with its own."""
    tip = branch_tip(root, branch)
    if tip is not None:
        last = _git(root, "log", "-1", "--format=%B", tip).stdout
        if STUDIO_TRAILER not in last:
            raise Conflict(
                f"the branch {branch} has commits from someone else since it was published; "
                "merge or delete it first"
            )
    base = tip or _git(root, "rev-parse", "HEAD").stdout.strip()
    with tempfile.TemporaryDirectory() as folder:
        index = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
        _git(root, "read-tree", base, environment=index)
        for path, text in files.items():
            relative = path.resolve().relative_to(root.resolve()).as_posix()
            if text is None:
                _git(root, "update-index", "--force-remove", "--", relative, environment=index)
                continue
            blob = _git(root, "hash-object", "-w", "--stdin", stdin=text).stdout.strip()
            _git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{relative}",
                 environment=index)  # fmt: skip
        tree = _git(root, "write-tree", environment=index).stdout.strip()
    commit = _git(root, "commit-tree", tree, "-p", base, "-m", f"{message}\n\n{STUDIO_TRAILER}",
                  environment=_identity(root, author)).stdout.strip()  # fmt: skip
    # moved only from the tip read above: a publish at the same moment is refused, not lost
    _git(root, "update-ref", f"refs/heads/{branch}", commit, tip or "")
    return commit
