#!/bin/sh
# Benchmarks of the lazy replicator (not tests): classify+learn cost per event beside a replicate-everything
# baseline, and knowledge-base bytes per tuple at 1 000 000 tuples (with and without compact object headers).
# Usage: lazy-replicator/bench.sh [events] [keys]
set -e
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
mvn -q -o -pl lazy-replicator -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp \
    -Dmdep.includeScope=test
CP="lazy-replicator/target/classes:lazy-replicator/target/test-classes:$(cat lazy-replicator/target/bench.cp)"
J="$JAVA_HOME/bin/java"
"$J" -Xmx2g -XX:+UseParallelGC -cp "$CP" org.hftfw.lazy.ClassifyLearnBench "${1:-1000000}" "${2:-20000}"
"$J" -Xmx2g -XX:+UseSerialGC -cp "$CP" org.hftfw.lazy.KnowledgeBaseMemoryBench 1000000
"$J" -Xmx2g -XX:+UseSerialGC -XX:+UseCompactObjectHeaders -cp "$CP" org.hftfw.lazy.KnowledgeBaseMemoryBench 1000000
for v in initialCapacity maximumWeight recordStats noExpiry; do
    "$J" -Xmx2g -XX:+UseSerialGC -cp "$CP" org.hftfw.lazy.KnowledgeBaseMemoryBench 1000000 "$v" | tail -1
done
