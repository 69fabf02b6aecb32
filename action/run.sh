#!/usr/bin/env bash
# Runs the scan, writes the Markdown summary and the step outputs, and passes the
# gate's exit code through. Inputs arrive as environment variables (see action.yml).
set -uo pipefail

bin="tollgate"
command -v "$bin" >/dev/null 2>&1 || bin="$HOME/.tollgate/bin/tollgate"
out="${RUNNER_TEMP:-/tmp}/tollgate"
mkdir -p "$out"

args=(scan "${TOLLGATE_URL:?the url input is required}" --no-progress --format markdown
      -o "json=$out/report.json" -o "sarif=$out/tollgate.sarif" --profile "${TOLLGATE_PROFILE_INPUT:-standard}")
[ -n "${TOLLGATE_SPEC_INPUT:-}" ] && args+=(--spec "$TOLLGATE_SPEC_INPUT")
[ -n "${TOLLGATE_FAIL_ON_INPUT:-}" ] && args+=(--fail-on "$TOLLGATE_FAIL_ON_INPUT")
[ -n "${TOLLGATE_FAIL_UNDER_INPUT:-}" ] && args+=(--fail-under "$TOLLGATE_FAIL_UNDER_INPUT")
[ -n "${TOLLGATE_BASELINE_INPUT:-}" ] && args+=(--baseline "$TOLLGATE_BASELINE_INPUT")
if [ -n "${TOLLGATE_EXTRA_ARGS:-}" ]; then
  read -r -a extra <<< "$TOLLGATE_EXTRA_ARGS"
  args+=("${extra[@]}")
fi
# An empty token input must not become an empty identity.
[ -z "${TOLLGATE_TOKEN:-}" ] && unset TOLLGATE_TOKEN

"$bin" "${args[@]}" > "$out/summary.md"
status=$?

if [ -f "$out/summary.md" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$out/summary.md" >> "$GITHUB_STEP_SUMMARY"
fi

if [ -f "$out/report.json" ]; then
  python3 - "$out/report.json" "$out/tollgate.sarif" >> "${GITHUB_OUTPUT:-/dev/stdout}" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(f"score={report['score']['score']}")
print(f"grade={report['score']['grade']}")
print(f"findings-count={len(report['findings'])}")
print(f"sarif={sys.argv[2]}")
PY
fi

case "$status" in
  0) echo "tollgate: gate passed" ;;
  1) echo "::error::tollgate: the gate failed (see the job summary)" ;;
  2) echo "::error::tollgate: usage or configuration error" ;;
  3) echo "::error::tollgate: the target could not be scanned" ;;
  *) echo "::error::tollgate exited with $status" ;;
esac
exit "$status"
