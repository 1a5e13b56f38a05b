# Sourced by bin/hftfw and bin/test: finds a Java 25+ JDK and sets JAVA_HOME, or explains and exits.
java_major() { # prints the feature version of the java binary $1, or 0
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1
}
find_java25() {
    local c v
    for c in "${JAVA_HOME:+$JAVA_HOME/bin/java}" /usr/lib/jvm/temurin-25*/bin/java /usr/lib/jvm/*-25*/bin/java \
             /usr/lib/jvm/*/bin/java "$(command -v java 2>/dev/null)"; do
        [ -n "$c" ] && [ -x "$c" ] || continue
        v=$(java_major "$c")
        if [ "${v:-0}" -ge 25 ]; then
            JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$c")")")
            export JAVA_HOME
            return 0
        fi
    done
    echo "hftfw: no Java 25 found. Install a JDK 25 (e.g. Temurin 25) and set JAVA_HOME to it." >&2
    exit 1
}
find_java25
# Maven itself runs on this JDK; keep its own Guava from printing sun.misc.Unsafe warnings.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
