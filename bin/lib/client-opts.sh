# Sourced by bin/lib/fastclient.sh and by the installed package's launcher (dist/hftfw.sh): the JVM options of
# the fast control client (org.hftfw.sidecar.sync.FastClient) and of the run that trains its AOT cache, and which
# argument pairs it serves.
# The interpreter only (a client that exits after one request spends more CPU compiling than interpreting: 50 ms of
# CPU with -Xint, 70 ms with C1), the serial GC, a small heap, no perf-data file. Warnings (e.g. an AOT cache made
# by another JDK) go to stderr: stdout carries the daemon's reply.
HFTFW_CLIENT_COMMON_OPTS=(-XX:+UseSerialGC -Xms8m -Xmx64m -XX:-UsePerfData -Xlog:disable -Xlog:all=warning:stderr)
HFTFW_CLIENT_OPTS=(-Xint "${HFTFW_CLIENT_COMMON_OPTS[@]}")
# The JVM creates no AOT cache in -Xint mode; one made with C1 serves an -Xint client (its classes and linked call
# sites; the method profiles go unused).
HFTFW_CLIENT_TRAINING_OPTS=(-XX:TieredStopAtLevel=1 "${HFTFW_CLIENT_COMMON_OPTS[@]}")

# The control commands a cluster manager runs on a takeover: the fast client serves them ("$1 $2")
hftfw_fast_command() {
    case "${1:-} ${2:-}" in
        "commit "* | "sync stats" | "sync flush" | "sync resync" | "sync bulk" | "migrate now" | "policy status" | "policy manual")
            return 0 ;;
    esac
    return 1
}
