"""`make test` ends with scripts/check-clean-tree.sh: a run must not leave changed files behind."""

import shutil
import subprocess

import pytest

from project.tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "check-clean-tree.sh"


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    """A committed checkout holding the script, a tracked file and an ignored folder."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(SCRIPT, tmp_path / "scripts" / SCRIPT.name)
    (tmp_path / "package-lock.json").write_text("{}\n")
    (tmp_path / ".gitignore").write_text("/node_modules/\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init")
    return tmp_path


def run(repo, step):
    return subprocess.run(
        ["bash", "scripts/check-clean-tree.sh", step], cwd=repo, capture_output=True, text=True
    )


def test_a_run_that_changes_nothing_passes(repo):
    assert run(repo, "start").returncode == 0
    (repo / "node_modules").mkdir()
    (repo / "node_modules" / "x.js").write_text("ignored\n")

    result = run(repo, "check")

    assert result.returncode == 0, result.stderr


def test_a_modified_lock_file_and_a_stray_file_fail_the_run_by_name(repo):
    run(repo, "start")
    (repo / "package-lock.json").write_text('{"rewritten": true}\n')
    (repo / "stray.log").write_text("left behind\n")

    result = run(repo, "check")

    assert result.returncode == 1
    assert "modified: package-lock.json" in result.stderr
    assert "untracked, not ignored: stray.log" in result.stderr


def test_a_deleted_tracked_file_is_named(repo):
    run(repo, "start")
    (repo / "package-lock.json").unlink()

    result = run(repo, "check")

    assert result.returncode == 1
    assert "deleted: package-lock.json" in result.stderr


def test_edits_made_before_the_run_are_not_blamed_on_it(repo):
    (repo / "package-lock.json").write_text('{"local": "edit"}\n')
    (repo / "notes.txt").write_text("work in progress\n")
    run(repo, "start")

    assert run(repo, "check").returncode == 0


def test_a_file_the_run_changes_again_is_reported(repo):
    (repo / "package-lock.json").write_text('{"local": "edit"}\n')
    run(repo, "start")
    (repo / "package-lock.json").write_text('{"run": "rewrote it"}\n')

    result = run(repo, "check")

    assert result.returncode == 1
    assert "modified: package-lock.json" in result.stderr


def test_without_a_snapshot_the_tree_must_be_clean(repo):
    assert run(repo, "check").returncode == 0
    (repo / "stray.log").write_text("x\n")

    assert run(repo, "check").returncode == 1
