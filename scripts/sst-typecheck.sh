#!/usr/bin/env bash
# Type-checks sst.config.ts and infra/ against SST's platform types, without AWS. `sst install` generates
# them in .sst/platform (about 40 s and 320 MB; it downloads the AWS provider from the npm registry, so it
# needs network access, but no AWS account). They are reused until the sst version changes.
set -euo pipefail
cd "$(dirname "$0")/.."
sst_version=$(node -p 'JSON.parse(require("node:fs").readFileSync("node_modules/sst/package.json", "utf8")).version')
if [ ! -f .sst/platform/config.d.ts ] || [ "$(cat .sst/platform/version 2>/dev/null)" != "$sst_version" ]; then
  SST_NO_BUN=1 SST_SKIP_DEPENDENCY_CHECK=true SST_TELEMETRY_DISABLED=1 npx --no-install sst install --stage ci
fi
npx --no-install tsc --noEmit -p tsconfig.sst.json
