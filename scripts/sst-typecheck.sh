#!/usr/bin/env bash
# Type-checks sst.config.ts and infra/ against SST's generated platform types. `sst install` writes
# them to .sst/platform (about 40 s and 300 MB the first time; no AWS account needed).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f .sst/platform/config.d.ts ]; then
  SST_NO_BUN=1 SST_SKIP_DEPENDENCY_CHECK=true SST_TELEMETRY_DISABLED=1 npx sst install --stage ci
fi
npx tsc --noEmit -p tsconfig.sst.json
