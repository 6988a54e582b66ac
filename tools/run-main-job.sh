#!/usr/bin/env bash
# The main job on a fresh host, as root: install what is missing, build the module, set up the
# store, make a Debian base image, build the example spec and run commands in containers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-prerequisites.sh
dotnet pwsh -NoProfile -File ./build.ps1
dotnet pwsh -NoProfile -File ./tools/Start-QuickStart.ps1 "$@"
