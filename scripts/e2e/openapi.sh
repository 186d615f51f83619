#!/usr/bin/env bash
# Schemas/openapi.json is a valid OpenAPI 3.1 document (openapi-spec-validator from PyPI, in a
# throwaway virtual environment). The Swift test OpenAPIDocumentTests keeps it in step with the
# router's routes and the problem types.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check openapi-spec-validator
"$work/venv/bin/python" - <<'PY'
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
spec, _ = read_from_filename("Schemas/openapi.json")
validate(spec)
print(f"Schemas/openapi.json is valid OpenAPI {spec['openapi']} ({len(spec['paths'])} paths)")
PY
