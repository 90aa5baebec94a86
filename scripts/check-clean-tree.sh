#!/usr/bin/env bash
# `make test` must leave the working tree as it found it: a run that modifies tracked files
# (a lock file rewritten by an install, a formatter) or leaves untracked files that .gitignore
# does not cover would slip into the next commit.
#
#   scripts/check-clean-tree.sh start   remember the tree's state (first step of make test)
#   scripts/check-clean-tree.sh check   fail, naming them, on files the run changed (last step)
#
# Only what changed during the run is reported, so local edits made before it do not fail it;
# on a clean clone (CI) that means any change at all. Without `start`, `check` wants a clean
# tree. Outside a git checkout there is nothing to compare, and both pass with a note.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "check-clean-tree: not a git checkout; skipped" >&2
  exit 0
fi
snapshot="$(git rev-parse --git-dir)/tandem-tree-before"

# One line per changed path: its status code, a hash of its current content and the path.
state() {
  git status --porcelain=v1 -z --untracked-files=all | while IFS= read -r -d '' entry; do
    code=${entry:0:2}
    path=${entry:3}
    # A rename's second field is the old path: consume it.
    case "$code" in R* | C*) IFS= read -r -d '' _ ;; esac
    hash=-
    [ -f "$path" ] && hash=$(git hash-object -- "$path")
    printf '%s\t%s\t%s\n' "$code" "$hash" "$path"
  done | LC_ALL=C sort
}

case "${1:-check}" in
  start)
    state >"$snapshot"
    ;;
  check)
    before=$(cat "$snapshot" 2>/dev/null || true)
    after=$(state)
    rm -f "$snapshot"
    left=$(LC_ALL=C comm -13 <(printf '%s\n' "$before" | sed '/^$/d') <(printf '%s\n' "$after" | sed '/^$/d'))
    [ -z "$left" ] && exit 0
    {
      echo "check-clean-tree: the run left the working tree changed:"
      while IFS=$'\t' read -r code _ path; do
        case "$code" in
          "??") what="untracked, not ignored" ;;
          *D*) what="deleted" ;;
          *) what="modified" ;;
        esac
        echo "  $what: $path"
      done <<<"$left"
      echo "Commit what belongs in the repository, or have .gitignore cover what a run generates."
    } >&2
    exit 1
    ;;
  *)
    echo "usage: $0 start|check" >&2
    exit 2
    ;;
esac
