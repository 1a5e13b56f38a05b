#!/usr/bin/env bash
# hftfw launcher of the installed package: the bundled Java runtime and jars, no build step.
# The control commands a cluster manager runs on a takeover (commit, sync stats|flush|resync|bulk, migrate now,
# policy status|manual) go to the no-JVM client (bin/hftfw-client), then to the lean FastClient with the AOT cache the package's postinst trained
# (hftfw-client-aot); what it does not take it hands back with status 99 and the full command line answers.
# The daemon's JVM options match bin/hftfw (compact object headers keep the knowledge base under 128 bytes per tuple).
set -uo pipefail
ROOT=$(dirname "$(dirname "$(readlink -f "$0")")")
JAVA="$ROOT/runtime/bin/java"
. "$ROOT/bin/client-opts.sh"
if hftfw_fast_command "$@"; then
    # the no-JVM client first (built into the package when the build machine had a C compiler); 99: not its job
    if [ -x "$ROOT/bin/hftfw-client" ]; then
        "$ROOT/bin/hftfw-client" "$@"
        rc=$?
        [ "$rc" -eq 99 ] || exit "$rc"
    fi
    aot=()
    [ -f "${HFTFW_CLIENT_AOT:-/var/cache/hftfw/client.aot}" ] && aot=(-XX:AOTCache="${HFTFW_CLIENT_AOT:-/var/cache/hftfw/client.aot}")
    sync=("$ROOT"/lib/hftfw-sync-*.jar)
    "$JAVA" "${HFTFW_CLIENT_OPTS[@]}" "${aot[@]}" -cp "$ROOT/lib/hftfw.jar:${sync[0]}" \
        org.hftfw.sidecar.sync.FastClient "$@"
    rc=$?
    [ "$rc" -eq 99 ] || exit "$rc"
fi
# The sync daemon reads its footprint options (heap, GC, threads) from /etc/hftfw/daemon.jvm (conf/daemon.jvm).
DAEMON_OPTS=
case "${1:-} ${2:-}" in
    "sync primary"|"sync backup"|"sync both")
        f=${HFTFW_DAEMON_JVM:-/etc/hftfw/daemon.jvm}
        [ -f "$f" ] && DAEMON_OPTS="@$f"
        # two malloc arenas instead of one per thread (their touched pages count in RSS)
        MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}; export MALLOC_ARENA_MAX ;;
esac
exec "$JAVA" --enable-native-access=ALL-UNNAMED -XX:+UseCompactObjectHeaders $DAEMON_OPTS ${HFTFW_JAVA_OPTS:-} \
    -cp "$ROOT/lib/*" org.hftfw.sidecar.Hftfw "$@"
