#!/bin/sh
# hftfw launcher of the installed package: the bundled Java runtime, the bundled jars, no build step.
# The JVM options match bin/hftfw (compact object headers keep the knowledge base under 128 bytes per tuple).
ROOT=$(dirname "$(dirname "$(readlink -f "$0")")")
exec "$ROOT/runtime/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseCompactObjectHeaders ${HFTFW_JAVA_OPTS:-} \
    -cp "$ROOT/lib/*" org.hftfw.sidecar.Hftfw "$@"
