#!/usr/bin/env bash
# Installs what Cookie-Cutter needs to build, run and be tested on a Debian or Ubuntu host:
# the host packages (through apt-get, from the host's own apt sources) and pwsh (through
# `dotnet tool restore`, from the machine's configured NuGet source). Run as root.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
    echo "install-prerequisites.sh: run this as root (for example with sudo)." >&2
    exit 1
fi

packages=(mmdebstrap debootstrap systemd-container util-linux mount gcc libc6-dev tmux procps iproute2)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -gt 0 ]]; then
    echo "Installing host packages: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if ! command -v dotnet >/dev/null; then
    echo "install-prerequisites.sh: the .NET SDK (dotnet) is missing; install it first." >&2
    exit 1
fi

cd "$(dirname "$0")/.."
dotnet tool restore
