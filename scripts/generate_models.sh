#!/usr/bin/env bash
# Regenerates portal/replica_api/models.py from the official spec. Run after the spec changes:
#   scripts/generate_models.sh [path/to/openapi.json]
set -euo pipefail
cd "$(dirname "$0")/.."
spec=${1:-../shared/replica-api/openapi.json}
.venv/bin/uv tool run --from 'datamodel-code-generator==0.89.0' datamodel-codegen \
  --input "$spec" --input-file-type openapi --openapi-scopes schemas \
  --output portal/replica_api/models.py \
  --output-model-type pydantic_v2.BaseModel --base-class portal.replica_api.base.APIModel \
  --target-python-version 3.12 --use-annotated --field-constraints \
  --use-standard-collections --use-union-operator --disable-timestamp \
  --formatters ruff-format \
  --custom-file-header '# Generated from the Replica API OpenAPI spec by scripts/generate_models.sh. Do not edit.'
