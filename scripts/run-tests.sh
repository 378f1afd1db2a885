#!/usr/bin/env bash
# Runs the whole suite; exit code 5 (no test collected) is a failure with a clear message.
set -u
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest "$@"
rc=$?
if [ $rc -eq 5 ]; then
  echo "run-tests: pytest collected no tests — that is a broken suite, not a pass" >&2
fi
exit $rc
