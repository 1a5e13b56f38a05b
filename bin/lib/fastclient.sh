# Sourced by bin/hftfw and bin/client-bench: how the fast control client (org.hftfw.sidecar.sync.FastClient) is
# started. Needs ROOT and JAVA_HOME. docs/daemon.md, "Fast control commands", explains each option.
HFTFW_CP="$ROOT/sidecar/target/hftfw.jar:$ROOT/sidecar/target/lib/*"
# The client's own class path: its jar and the sync module's (Reply). Every further jar costs the JVM time to open
# even when no class comes from it; what the client does not take, bin/hftfw hands to the full command line.
set_client_cp() { # again after a build: the sync jar's name carries the version
    local sync=("$ROOT"/sidecar/target/lib/hftfw-sync-*.jar)
    HFTFW_CLIENT_CP="$ROOT/sidecar/target/hftfw.jar:${sync[0]}"
}
set_client_cp
HFTFW_CLIENT_AOT="$ROOT/sidecar/target/hftfw-client.aot"
. "$ROOT/bin/lib/client-opts.sh"

# True when the client's AOT cache exists and is newer than its jars (the JVM ignores a cache whose jars changed).
client_aot_fresh() {
    local jar jars
    [ -f "$HFTFW_CLIENT_AOT" ] || return 1
    IFS=: read -ra jars <<<"$HFTFW_CLIENT_CP"
    for jar in "${jars[@]}"; do
        [ ! "$jar" -nt "$HFTFW_CLIENT_AOT" ] || return 1
    done
}

# Builds the client's AOT cache (JEP 483/514) from one training run of ClientTraining: a few seconds, once per build.
build_client_aot() {
    local tmp="$HFTFW_CLIENT_AOT.$$.tmp" log="$HFTFW_CLIENT_AOT.$$.log"
    set_client_cp
    if "$JAVA_HOME/bin/java" -XX:AOTCacheOutput="$tmp" "${HFTFW_CLIENT_TRAINING_OPTS[@]}" -cp "$HFTFW_CLIENT_CP" \
            org.hftfw.sidecar.sync.ClientTraining >"$log" 2>&1 && mv -f "$tmp" "$HFTFW_CLIENT_AOT"; then
        rm -f "$log"
    else
        echo "hftfw: could not build the control client's AOT cache (log: $log); running without it" >&2
        rm -f "$tmp" "$tmp.config"
    fi
}

# The no-JVM client (sidecar/src/main/c/hftfw-client.c): tried first for the fast commands; exit 99 hands over to the
# Java client. Built with the machine's C compiler when there is one (about 0.2 s); without one the Java client serves.
HFTFW_NATIVE_CLIENT="$ROOT/sidecar/target/hftfw-client"
HFTFW_NATIVE_CLIENT_SRC="$ROOT/sidecar/src/main/c/hftfw-client.c"

# Builds (or rebuilds, when its source is newer) the no-JVM client; silently nothing without a C compiler. A compiler
# that fails (no libc headers) is tried again each time (installing them is the fix), but said once per source
# version: stderr is the reply's, and the log beside the client marks that it was said.
ensure_native_client() {
    [ -x "$HFTFW_NATIVE_CLIENT" ] && [ ! "$HFTFW_NATIVE_CLIENT_SRC" -nt "$HFTFW_NATIVE_CLIENT" ] && return 0
    command -v cc >/dev/null 2>&1 || return 0
    mkdir -p "$(dirname "$HFTFW_NATIVE_CLIENT")"
    local tmp="$HFTFW_NATIVE_CLIENT.$$.tmp" failed="$HFTFW_NATIVE_CLIENT.failed.log" said=false
    [ -f "$failed" ] && [ ! "$HFTFW_NATIVE_CLIENT_SRC" -nt "$failed" ] && said=true
    if cc -O2 -std=gnu11 -Wall -Wextra -o "$tmp" "$HFTFW_NATIVE_CLIENT_SRC" 2>"$tmp.log"; then
        mv -f "$tmp" "$HFTFW_NATIVE_CLIENT"
        rm -f "$tmp.log" "$failed"
    else
        rm -f "$tmp"
        if $said; then
            rm -f "$tmp.log"
        else
            mv -f "$tmp.log" "$failed"
            echo "hftfw: could not build the no-JVM control client (log: $failed); using the Java one" >&2
        fi
    fi
}
