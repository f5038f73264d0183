#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, on its corpus in
# fuzz/corpus/<target>/ (a scratch copy, so CI does not grow the tree).
set -euo pipefail
dir=$1 secs=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for bin in "$dir"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  work=$(mktemp -d)
  if [ -d "$root/fuzz/corpus/$name" ]; then cp -r "$root/fuzz/corpus/$name/." "$work/"; fi
  echo "fuzz $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
       -artifact_prefix="$root/fuzz/" "$work" >"$work.log" 2>&1; then
    echo "FUZZ FAILURE in $name"; tail -50 "$work.log"; status=1
  fi
  rm -rf "$work" "$work.log"
done
exit $status
