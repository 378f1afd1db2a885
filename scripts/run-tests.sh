#!/usr/bin/env bash
# Runs the whole suite, in SANDBOX_TEST_WORKERS processes (default: one per core, at most 2; 1 runs it in this
# process). Whole files go to one worker (--dist loadfile): a module fixture (an app server, a browser, a cluster)
# is built once. (--dist loadgroup would spread the rest finer, but xdist 3.8 cannot set groups under pytest 9.2.)
# Exit code 5 (no test collected) is a failure with a clear message.
set -u
cd "$(dirname "$0")/.."
workers="${SANDBOX_TEST_WORKERS:-$(( $(nproc) < 2 ? $(nproc) : 2 ))}"
if [ "$workers" -gt 1 ]; then
  .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
else
  .venv/bin/python -m pytest "$@"
fi
rc=$?
if [ $rc -eq 5 ]; then
  echo "run-tests: pytest collected no tests — that is a broken suite, not a pass" >&2
fi
exit $rc
