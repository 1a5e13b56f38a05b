#!/usr/bin/env bash
# Builds hFT-FW's self-contained distribution from the sidecar's jar and its libraries: a jlink'ed Java runtime
# (only the JDK modules the jars use, found by jdeps), a Debian package and a tarball. No JDK is needed where it is
# installed. Maven runs this in the dist module (`mvn package`, or bin/test); by hand:
#   dist/build.sh VERSION OUTDIR          (after `mvn -DskipTests package`)
# Output: OUTDIR/hftfw_<debversion>_amd64.deb, OUTDIR/hftfw-<version>-linux-x86_64.tar.gz
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
VERSION=${1:?usage: build.sh VERSION OUTDIR}
OUT=${2:?usage: build.sh VERSION OUTDIR}
. "$ROOT/bin/lib/java25.sh"
JAR="$ROOT/sidecar/target/hftfw.jar"
LIBS="$ROOT/sidecar/target/lib"
[ -f "$JAR" ] && [ -d "$LIBS" ] || { echo "dist: $JAR or $LIBS missing; run mvn package first" >&2; exit 1; }

# Debian orders 0.1.0~SNAPSHOT before 0.1.0, which is what a snapshot is
DEBVERSION=${VERSION//-/\~}
STAGE="$OUT/stage"
PKG="$STAGE/deb"
rm -rf "$STAGE"
mkdir -p "$PKG"
LIBDIR="$PKG/usr/lib/hftfw"
mkdir -p "$LIBDIR/lib" "$LIBDIR/bin" "$PKG/usr/bin" "$PKG/etc/hftfw" "$PKG/lib/systemd/system" \
    "$PKG/usr/share/man/man1" "$PKG/usr/share/bash-completion/completions" "$PKG/usr/share/doc/hftfw/examples" \
    "$PKG/DEBIAN"

echo "dist: application jars"
cp "$JAR" "$LIBS"/*.jar "$LIBDIR/lib/"

echo "dist: Java runtime (jlink)"
# jdeps finds what the bytecode links against; jdk.unsupported is added by name because sun.misc.Signal is
# reached by reflection (JdkSignals), which jdeps cannot see
MODULES=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 \
    --class-path "$LIBS/*" "$JAR" "$LIBS"/*.jar 2>/dev/null | tail -1)
case "$MODULES" in java.base*) ;; *) echo "dist: jdeps gave no module list: '$MODULES'" >&2; exit 1;; esac
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES,jdk.unsupported" --strip-debug --no-header-files \
    --no-man-pages --output "$LIBDIR/runtime"

install -m 0755 "$ROOT/dist/hftfw.sh" "$LIBDIR/bin/hftfw"
install -m 0755 "$ROOT/dist/hftfw-client-aot.sh" "$LIBDIR/bin/hftfw-client-aot"
# the no-JVM control client (issue 10 item 3: <= 50 ms from start to reply); without a C compiler, or one that
# cannot build it (no libc headers), the package carries only the Java client, and says so: never a failed build
if ! command -v cc >/dev/null 2>&1; then
    echo "dist: WARNING: no C compiler (Debian: gcc); the package's control commands start a JVM (install gcc and rebuild)" >&2
elif cc -O2 -std=gnu11 -Wall -Wextra -Werror -o "$LIBDIR/bin/hftfw-client" "$ROOT/sidecar/src/main/c/hftfw-client.c" \
        2>"$STAGE/cc.log"; then
    strip "$LIBDIR/bin/hftfw-client" 2>/dev/null || true
else
    echo "dist: WARNING: the C compiler could not build the no-JVM client (Debian: gcc libc6-dev); the package's" \
        "control commands start a JVM:" >&2
    cat "$STAGE/cc.log" >&2
    rm -f "$LIBDIR/bin/hftfw-client"
fi
install -m 0644 "$ROOT/bin/lib/client-opts.sh" "$LIBDIR/bin/client-opts.sh"
ln -s ../lib/hftfw/bin/hftfw "$PKG/usr/bin/hftfw"
install -m 0644 "$ROOT/conf/hftfw.conf" "$PKG/etc/hftfw/hftfw.conf"
install -m 0644 "$ROOT/conf/daemon.jvm" "$PKG/etc/hftfw/daemon.jvm"
install -m 0644 "$ROOT/packaging/systemd/hftfw.service" "$PKG/lib/systemd/system/hftfw.service"
cp -r "$ROOT/conf/." "$PKG/usr/share/doc/hftfw/examples/"
cp -r "$ROOT/dist/monitoring" "$PKG/usr/share/doc/hftfw/examples/monitoring"
install -m 0644 "$ROOT/README.md" "$PKG/usr/share/doc/hftfw/README.md"
install -m 0644 "$ROOT/dist/copyright" "$PKG/usr/share/doc/hftfw/copyright"

echo "dist: man page and bash completion (from the CLI's own model)"
"$LIBDIR/runtime/bin/java" -cp "$LIBDIR/lib/*" org.hftfw.sidecar.DistributionDocs "$STAGE/docs"
gzip -9n < "$STAGE/docs/hftfw.1" > "$PKG/usr/share/man/man1/hftfw.1.gz"
install -m 0644 "$STAGE/docs/hftfw.bash-completion" "$PKG/usr/share/bash-completion/completions/hftfw"

SIZE=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
sed -e "s/@VERSION@/$DEBVERSION/" -e "s/@SIZE@/$SIZE/" "$ROOT/dist/control" > "$PKG/DEBIAN/control"
printf '%s\n' /etc/hftfw/hftfw.conf /etc/hftfw/daemon.jvm > "$PKG/DEBIAN/conffiles"
install -m 0755 "$ROOT/dist/postinst" "$PKG/DEBIAN/postinst"
install -m 0755 "$ROOT/dist/prerm" "$PKG/DEBIAN/prerm"
install -m 0755 "$ROOT/dist/postrm" "$PKG/DEBIAN/postrm"

echo "dist: packages"
DEB="$OUT/hftfw_${DEBVERSION}_amd64.deb"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$PKG" "$DEB" >/dev/null
TARDIR="$STAGE/hftfw-$VERSION"
mkdir -p "$TARDIR"
cp -r "$LIBDIR/." "$TARDIR/"
mkdir -p "$TARDIR/conf" "$TARDIR/share"
cp -r "$ROOT/conf/." "$TARDIR/conf/"
cp -r "$PKG/usr/share/man" "$PKG/lib/systemd/system/hftfw.service" "$PKG/usr/share/doc/hftfw/copyright" "$TARDIR/share/"
tar -C "$STAGE" --owner=0 --group=0 -czf "$OUT/hftfw-$VERSION-linux-x86_64.tar.gz" "hftfw-$VERSION"
rm -rf "$STAGE"
echo "dist: $DEB ($(du -h "$DEB" | cut -f1)), $OUT/hftfw-$VERSION-linux-x86_64.tar.gz"
