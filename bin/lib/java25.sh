# Sourced by bin/hftfw and bin/test: finds a Java 25+ JDK and sets JAVA_HOME, or explains and exits.
# No process is started when JAVA_HOME or a /usr/lib/jvm directory is a JDK 25 (its release file says so): every
# fork counts in the 50 ms of a control command such as 'hftfw commit' on a busy firewall.
release_major() { # sets REPLY to the feature version in the release file of JDK home $1; fails without one
    local line
    REPLY=
    [ -f "$1/release" ] || return 1
    while IFS= read -r line; do
        case $line in
            JAVA_VERSION=*) line=${line#JAVA_VERSION=}; line=${line//\"/}; REPLY=${line%%[!0-9]*}; return 0 ;;
        esac
    done <"$1/release"
    return 1
}
java_major() { # prints the feature version of the java binary $1, or 0
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1
}
find_java25() {
    local c v
    for c in "${JAVA_HOME:+$JAVA_HOME/bin/java}" /usr/lib/jvm/temurin-25*/bin/java /usr/lib/jvm/*-25*/bin/java \
             /usr/lib/jvm/*/bin/java PATH; do
        if [ "$c" = PATH ]; then
            c=$(command -v java 2>/dev/null) || continue
            c=$(readlink -f "$c")
        fi
        [ -n "$c" ] && [ -x "$c" ] || continue
        if release_major "${c%/bin/java}"; then
            v=$REPLY
        else
            v=$(java_major "$c")
        fi
        if [ "${v:-0}" -ge 25 ]; then
            JAVA_HOME=${c%/bin/java}
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
