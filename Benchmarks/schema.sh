#!/usr/bin/env bash
# JSON Schema validation rate: UraSchema (release build, median of 3 runs) next to the reference
# implementation, Python's jsonschema, on the same documents when it is installed.
# Usage: Benchmarks/schema.sh [schema-file instance-file]
#   default: Schemas/messages/reintegration.monitoring-report.schema.json with its example, or,
#   while Schemas/ does not have them, the built-in samples (a D2-like report and an envelope).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ura-bench >/dev/null
bench=.build/release/ura-bench
runs=3

pairs=()
if [[ $# -ge 2 ]]; then
  pairs=("$1|$2")
elif [[ -f Schemas/messages/reintegration.monitoring-report.schema.json ]]; then
  pairs=("Schemas/messages/reintegration.monitoring-report.schema.json|Schemas/examples/reintegration.monitoring-report.json")
else
  samples=$(mktemp -d)
  trap 'rm -rf "$samples"' EXIT
  "$bench" schema --dump-samples "$samples"
  pairs=("$samples/d2-sample.schema.json|$samples/d2-sample.json" "$samples/envelope-sample.schema.json|$samples/envelope-sample.json")
fi

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for pair in "${pairs[@]}"; do
  schema=${pair%%|*}
  instance=${pair##*|}
  echo "== $schema"
  results=$(for _ in $(seq $runs); do "$bench" schema "$schema" "$instance"; done)
  echo "$results"
  for kind in isValid validate; do
    rate=$(echo "$results" | grep "\"case\":\"$kind-" | sed -E 's/.*"rate":([0-9]+).*/\1/' | median)
    echo "UraSchema $kind: median $rate validations/s ($(awk -v r="$rate" 'BEGIN { printf "%.1f", 1e6 / r }') µs each)"
  done
  if python3 -c 'import jsonschema, referencing' 2>/dev/null; then
    python3 - "$schema" "$instance" <<'PY'
import json, pathlib, sys, time
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

schema_path, instance_path = (pathlib.Path(p).resolve() for p in sys.argv[1:3])
schema, instance = json.loads(schema_path.read_text()), json.loads(instance_path.read_text())
root = schema_path.parent
while root.name != "Schemas" and root != root.parent:
    root = root.parent
if root == root.parent:
    root = schema_path.parent
resources = []
for path in sorted(root.rglob("*.json")):
    try:
        document = json.loads(path.read_text())
    except ValueError:
        continue
    if isinstance(document, dict) and ("$schema" in document or "$id" in document):
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        resources.append((path.as_uri(), resource))
        if "$id" in document:
            resources.append((document["$id"], resource))
validator = Draft202012Validator(schema, registry=Registry().with_resources(resources),
                                 format_checker=Draft202012Validator.FORMAT_CHECKER)
valid = validator.is_valid(instance)
count, start = 0, time.perf_counter()
while time.perf_counter() - start < 2:
    validator.is_valid(instance)
    count += 1
rate = count / (time.perf_counter() - start)
print(f"reference python-jsonschema is_valid: {rate:.0f} validations/s ({1e6 / rate:.1f} µs each), valid={valid}")
PY
  else
    echo "reference: python jsonschema is not installed (pip install jsonschema), skipped"
  fi
done
