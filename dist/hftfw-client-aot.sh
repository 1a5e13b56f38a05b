#!/usr/bin/env bash
# Trains the fast control client's AOT cache (JEP 483/514) with the package's own runtime, so `hftfw commit` and
# the other takeover commands start in tens of milliseconds: run by the package's postinst, or by hand after moving
# the installation.   Usage: hftfw-client-aot [OUTPUT]   (default /var/cache/hftfw/client.aot)
set -euo pipefail
ROOT=$(dirname "$(dirname "$(readlink -f "$0")")")
. "$ROOT/bin/client-opts.sh"
out=${1:-/var/cache/hftfw/client.aot}
mkdir -p "$(dirname "$out")"
sync=("$ROOT"/lib/hftfw-sync-*.jar)
tmp="$out.$$.tmp"
# the JVM's notes while it assembles the cache (classes it skips, the options it hands its assembly step) are
# shown only when the training fails: an apt install of the package printed nine such lines
if err=$("$ROOT/runtime/bin/java" -XX:AOTCacheOutput="$tmp" "${HFTFW_CLIENT_TRAINING_OPTS[@]}" \
        -cp "$ROOT/lib/hftfw.jar:${sync[0]}" org.hftfw.sidecar.sync.ClientTraining 2>&1 >/dev/null); then
    mv -f "$tmp" "$out"
else
    printf '%s\n' "$err" >&2
    rm -f "$tmp" "$tmp.config"
    echo "hftfw-client-aot: training failed; the control commands run without the cache (slower start)" >&2
    exit 1
fi
