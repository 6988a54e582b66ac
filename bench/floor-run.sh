#!/bin/sh
# Runs COMMAND in a new container with stock tools only, as the floor that Invoke-CcRun is
# timed against. The script mounts an overlay of LOWER_DIRS (colon-separated, top first,
# relative to STORE_DIR) under a fresh upper dir in SCRATCH_DIR, runs COMMAND chrooted in new
# pid, mount, uts and ipc namespaces, then unmounts the overlay and deletes SCRATCH_DIR.
#
#   floor-run.sh STORE_DIR LOWER_DIRS SCRATCH_DIR COMMAND [ARG...]
#
# Relative lower dirs keep the mount options under the one-page limit of mount(2) for deep
# layer chains. The exit status is COMMAND's.
set -eu
cd "$1"
lower=$2
scratch=$3
shift 3
mkdir "$scratch" "$scratch/diff" "$scratch/work" "$scratch/root"
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$scratch/diff,workdir=$scratch/work" \
    "$scratch/root"
status=0
unshare --pid --fork --mount --uts --ipc chroot "$scratch/root" "$@" || status=$?
umount "$scratch/root"
rm -rf "$scratch"
exit "$status"
