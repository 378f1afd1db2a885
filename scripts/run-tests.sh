#!/usr/bin/env bash
# Runs the whole suite, in SANDBOX_TEST_WORKERS processes (default: one per core, at most 2; 1 runs it in this
# process). Tests spread one by one; a file sharing a module fixture (an app server, a browser) stays on one worker
# (--dist loadgroup, groups set in tests/conftest.py), so that fixture is built once.
# Exit code 5 (no test collected) is a failure with a clear message.
set -u
cd "$(dirname "$0")/.."
workers="${SANDBOX_TEST_WORKERS:-$(( $(nproc) < 2 ? $(nproc) : 2 ))}"
if [ "$workers" -gt 1 ]; then
  .venv/bin/python -m pytest -n "$workers" --dist loadgroup "$@"
else
  .venv/bin/python -m pytest "$@"
fi
rc=$?
if [ $rc -eq 5 ]; then
  echo "run-tests: pytest collected no tests — that is a broken suite, not a pass" >&2
fi
exit $rc
