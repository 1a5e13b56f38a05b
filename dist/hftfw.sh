#!/bin/sh
# hftfw launcher of the installed package: the bundled Java runtime, the bundled jars, no build step.
# The JVM options match bin/hftfw (compact object headers keep the knowledge base under 128 bytes per tuple).
ROOT=$(dirname "$(dirname "$(readlink -f "$0")")")
# The sync daemon reads its footprint options (heap, GC, threads) from /etc/hftfw/daemon.jvm (conf/daemon.jvm).
DAEMON_OPTS=
case "${1:-} ${2:-}" in
    "sync primary"|"sync backup"|"sync both")
        f=${HFTFW_DAEMON_JVM:-/etc/hftfw/daemon.jvm}
        [ -f "$f" ] && DAEMON_OPTS="@$f"
        # two malloc arenas instead of one per thread (their touched pages count in RSS)
        MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}; export MALLOC_ARENA_MAX ;;
esac
exec "$ROOT/runtime/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseCompactObjectHeaders $DAEMON_OPTS ${HFTFW_JAVA_OPTS:-} \
    -cp "$ROOT/lib/*" org.hftfw.sidecar.Hftfw "$@"
