#!/bin/sh
# Evaluation-engine benchmark and SYNTHETIC policy comparison (not a test).
# Usage: models/bench.sh [events]                     synthetic policy comparison (default 1 000 000 events)
#        models/bench.sh EvaluateLogBench [events]    hftfw evaluate's work on a ~1M-event log built from a real trace
set -e
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
# builds the reactor modules in place (no install); sibling modules resolve to their target/classes
mvn -q -o -pl models -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp \
    -Dmdep.includeScope=test
CP="models/target/classes:models/target/test-classes:$(cat models/target/bench.cp)"
MAIN=EvaluateBench
case "${1:-}" in [A-Za-z]*) MAIN=$1; shift ;; esac
"$JAVA_HOME/bin/java" -Xmx3g -XX:+UseParallelGC -cp "$CP" "org.hftfw.models.$MAIN" "${1:-1000000}"
