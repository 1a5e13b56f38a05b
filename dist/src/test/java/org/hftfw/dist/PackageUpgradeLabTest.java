package org.hftfw.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.common.Await;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dpkg's upgrade path on a live node (issue 12 item 7, docs/deploy.md section 8): {@code apt install} of a newer
 * package over the installed one while its daemon runs, then a held downgrade, an upgrade with the daemon stopped
 * first, a reinstall, a restart that fails, remove and purge, on the backup node of a pair whose other node keeps
 * running.
 *
 * <p>The two nodes are {@link LabMachine}s (each its own network namespace and an overlay of the host's Debian root,
 * so dpkg's database and /etc are the machine's) joined by the sync link. Their maintainer scripts see systemd: the
 * lab's {@link ServiceManager} answers the {@code systemctl} they and deb-systemd-invoke call inside the machine
 * ({@link ServiceManager#answerSystemctlInside}), running the unit file the package installed. systemd itself is not
 * PID 1 here; what the lab's manager does not apply is listed in docs/deploy.md ("What the lab checks").
 *
 * <p>The newer package is the one this build made, repacked by {@link #nextVersion}: a higher version in its control
 * file and in its jar's manifest (so the running daemon's {@code hftfw_build_info} names the build it loaded) and a
 * changed {@code /etc/hftfw/hftfw.conf}, as a release that adds a key ships. Its code is this build's: two different
 * builds on one link are FailoverLabTest's (the version-skew lab). The peer's flows are conntrack entries inserted into
 * fw1's kernel table; the always-committed backup fw2 writes them into its own.
 */
@Tag("lab")
class PackageUpgradeLabTest {
    private static final int FLOWS = 20;
    private static final long AWAIT_MILLIS = 120_000;
    private static final String NEXT = "+lab2";
    private static final String PAIR_MARK = "# this pair (docs/deploy.md)";
    private static final Pattern MAIN_PID = Pattern.compile("Main PID: (\\d+)");
    private static final Pattern BUILD_INFO = Pattern.compile("hftfw_build_info\\{version=\"([^\"]+)\"}");
    /** The non-interactive form of section 8's apt install: an edited conffile the new version changed is kept. */
    private static final String APT = "apt-get install -y -o Dpkg::Options::=--force-confold ";

    @Test
    void anUpgradeOverTheRunningDaemonRestartsItOnTheNewBuildAndKeepsTheConfigAndThePeersFlows(@TempDir Path dir)
            throws Exception {
        LabAssumptions.assumeAvailable();
        LabMachine.unavailable().ifPresent(Assumptions::abort);
        for (String tool : List.of("conntrack", "keepalived", "dpkg-deb", "deb-systemd-invoke")) {
            LabAssumptions.assumeBinary(tool);
        }
        Path v1 = LabMachine.builtPackage();
        String v1Version = field(v1, "Version");
        Path v2 = nextVersion(v1, dir.resolve("repack"));
        Path out = LabMachine.emptyOutputDir("upgrade-lab");
        Path transcript = out.resolve("transcript.txt");

        try (NetnsLab lab = new NetnsLab("hpu");
             Nodes nodes = Nodes.wire(lab, dir, out, transcript)) {
            LabMachine fw1 = nodes.fw1;
            LabMachine fw2 = nodes.fw2;
            String deb1 = "/root/" + v1.getFileName();
            String deb2 = "/root/" + v2.getFileName();
            for (LabMachine m : List.of(fw1, fw2)) {
                Files.copy(v1, m.file(deb1), StandardCopyOption.COPY_ATTRIBUTES);
                // as docs/deploy.md sections 1-4: the package, the kernel's event setting, the pair's settings
                m.sh("apt install -y ./" + v1.getFileName() + " keepalived conntrack").check();
                m.sh("sysctl -w net.netfilter.nf_conntrack_events=1").check();
            }
            Files.copy(v2, fw2.file(deb2), StandardCopyOption.COPY_ATTRIBUTES);
            configure(fw1, "10.0.99.1", "10.0.99.2");
            configure(fw2, "10.0.99.2", "10.0.99.1");
            fw1.sh("head -c 32 /dev/urandom > /etc/hftfw/sync.key && chmod 600 /etc/hftfw/sync.key").check();
            Files.copy(fw1.file("/etc/hftfw/sync.key"), fw2.file("/etc/hftfw/sync.key"),
                    StandardCopyOption.COPY_ATTRIBUTES);
            String edited = Files.readString(fw2.file("/etc/hftfw/hftfw.conf"));
            for (LabMachine m : List.of(fw1, fw2)) {
                m.sh("systemctl enable --now hftfw").check();
            }
            assertTrue(Await.await(() -> peerAgreed(fw1) && peerAgreed(fw2), AWAIT_MILLIS),
                    "the two daemons authenticate each other");
            insertFlows(fw1, 0, FLOWS);
            assertTrue(Await.await(() -> heldByFw2(fw2) == FLOWS, AWAIT_MILLIS),
                    () -> "fw2's kernel table holds fw1's flows: " + heldByFw2(fw2));
            String before = pid(fw2);
            assertEquals(buildVersion(v1), runningVersion(fw2));

            // 1. apt install of the newer package with the daemon running: it is restarted once the new files are in
            LabMachine.Result upgrade = fw2.sh(APT + "./" + v2.getFileName());
            assertEquals(0, upgrade.exitCode(), upgrade.output() + upgrade.errors());
            String v2Build = buildVersion(v2);
            assertEquals(v2Build, runningVersion(fw2), "the daemon runs the new build");
            assertNotEquals(before, pid(fw2), "a new daemon process");
            assertEquals(2, nodes.services(fw2).starts("hftfw"));
            assertTrue(fw2.sh("hftfw --version").check().output().startsWith("hftfw " + v2Build + " "));
            assertTrue(nodes.services(fw2).journal("hftfw").contains("sync both stopped cleanly"),
                    "the old daemon stopped cleanly (exit 0) before the new one started");
            assertConfigKept(fw2, edited);
            assertTrue(Files.isRegularFile(fw2.file("/etc/hftfw/hftfw.conf.dpkg-dist")),
                    "dpkg kept the operator's edited file and put the new version's beside it");
            assertResynced(fw2);
            // the new daemon replicates: a flow fw1 opens now reaches fw2's kernel table
            insertFlows(fw1, FLOWS, 1);
            assertTrue(Await.await(() -> heldByFw2(fw2) == FLOWS + 1, AWAIT_MILLIS),
                    () -> "a flow opened after the upgrade reaches fw2: " + heldByFw2(fw2));

            // 2. a downgrade while policy-rc.d holds restarts: the running daemon stays on the newer build
            String running = pid(fw2);
            fw2.sh("printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d")
                    .check();
            LabMachine.Result held = fw2.sh(APT + "--allow-downgrades ./" + v1.getFileName());
            assertEquals(0, held.exitCode(), held.output() + held.errors());
            assertTrue((held.output() + held.errors()).contains("policy-rc.d returned 101"), held.errors());
            assertEquals(v1Version, installedVersion(fw2));
            assertEquals(running, pid(fw2), "policy-rc.d held the restart");
            assertEquals(v2Build, runningVersion(fw2));
            fw2.sh("rm /usr/sbin/policy-rc.d && systemctl restart hftfw").check();
            assertEquals(buildVersion(v1), runningVersion(fw2), "the restart the operator chose runs the older build");
            assertConfigKept(fw2, edited);
            assertResynced(fw2);

            // 3. section 8's order: stop, install, start; the package leaves a stopped daemon stopped
            fw2.sh("systemctl stop hftfw").check();
            assertEquals(0, fw2.sh(APT + "./" + v2.getFileName()).exitCode());
            assertEquals(ServiceManager.State.INACTIVE, nodes.services(fw2).state("hftfw"),
                    "try-restart leaves a stopped daemon stopped");
            fw2.sh("systemctl start hftfw").check();
            assertEquals(v2Build, runningVersion(fw2));
            assertResynced(fw2);

            // 4. a reinstall of the same version restarts a running daemon, as an upgrade does
            running = pid(fw2);
            assertEquals(0, fw2.sh("apt-get install -y --reinstall ./" + v2.getFileName()).exitCode());
            assertNotEquals(running, pid(fw2));
            assertEquals(v2Build, runningVersion(fw2));
            assertResynced(fw2);
            assertEquals(FLOWS + 1, heldByFw2(fw2), "every flow of fw1 is still in fw2's kernel table");

            // 5. a daemon that does not come back fails the configure step: apt says so and stops, the package stays
            // half-configured, and dpkg --configure -a finishes it once the cause is fixed
            fw2.sh("echo HFTFW_ROLE=no-such-role > /etc/default/hftfw").check();
            LabMachine.Result failed = fw2.sh("apt-get install -y --reinstall ./" + v2.getFileName());
            assertNotEquals(0, failed.exitCode(), failed.output());
            assertTrue((failed.output() + failed.errors()).contains("hftfw: the daemon did not come back"),
                    failed.output() + failed.errors());
            assertEquals("install ok half-configured", dpkgStatus(fw2));
            fw2.sh("rm /etc/default/hftfw && dpkg --configure -a").check();
            assertEquals("install ok installed", dpkgStatus(fw2));
            assertTrue(Await.await(() -> nodes.services(fw2).state("hftfw") == ServiceManager.State.ACTIVE,
                    AWAIT_MILLIS), () -> nodes.services(fw2).journal("hftfw"));
            assertEquals(v2Build, runningVersion(fw2));
            assertResynced(fw2);

            // 6. remove stops the daemon and keeps the configuration; purge deletes it
            int starts = nodes.services(fw2).starts("hftfw");
            assertEquals(0, fw2.sh("apt-get remove -y hftfw").exitCode());
            assertEquals(ServiceManager.State.INACTIVE, nodes.services(fw2).state("hftfw"));
            assertEquals(starts, nodes.services(fw2).starts("hftfw"), "not started again");
            assertFalse(Files.exists(fw2.file("/usr/bin/hftfw")));
            assertConfigKept(fw2, edited);
            assertTrue(Files.exists(fw2.file("/etc/hftfw/sync.key")));
            assertEquals(0, fw2.sh("apt-get purge -y hftfw").exitCode());
            for (String gone : List.of("/etc/hftfw", "/var/lib/hftfw", "/var/cache/hftfw", "/run/hftfw")) {
                assertFalse(Files.exists(fw2.file(gone)), gone + " is deleted by purge");
            }
            assertNotEquals(0, fw2.quietly("dpkg -s hftfw").exitCode(), "hftfw is no longer known to dpkg");
            assertTrue(peerRunning(fw1), "fw1's daemon ran on through fw2's package changes");
        }
    }

    /** Section 3's block for a node (its two sync addresses; the key file; the resync file). */
    private static void configure(LabMachine m, String local, String peer) throws IOException, InterruptedException {
        m.sh(String.join("\n", "cat >> /etc/hftfw/hftfw.conf <<'EOF'", "", PAIR_MARK, "sync {",
                "  local-address = \"" + local + "\"", "  peer-address = \"" + peer + "\"", "  interface = \"eth3\"",
                "  auth { key-file = \"sync.key\", require = true }", "}",
                "control.resync-file = \"/run/hftfw/resync\"", "EOF")).check();
    }

    /** {@code n} established TCP flows of the LAN client in fw1's kernel table, numbered from {@code from}. */
    private static void insertFlows(LabMachine fw1, int from, int n) throws IOException, InterruptedException {
        fw1.sh("for i in $(seq " + from + " " + (from + n - 1) + "); do conntrack -I -p tcp -s 192.0.2.10"
                + " -d 198.51.100.10 --sport $((40000 + i)) --dport 8080 --state ESTABLISHED -u SEEN_REPLY,ASSURED"
                + " -t 3600; done").check();
    }

    /** How many of fw1's flows fw2's kernel table holds. */
    private static int heldByFw2(LabMachine fw2) {
        try {
            return Integer.parseInt(fw2.quietly("conntrack -L -p tcp -s 192.0.2.10 -d 198.51.100.10 2>/dev/null"
                    + " | grep -c ESTABLISHED || true").output().strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static boolean peerAgreed(LabMachine m) {
        String stats = quietStats(m);
        return stats.contains("peer: hftfw [") && stats.contains(" authenticated");
    }

    private static boolean peerRunning(LabMachine m) throws IOException, InterruptedException {
        return m.quietly("hftfw sync stats").exitCode() == 0;
    }

    /**
     * The restarted node resynced with its peer: it asked for fw1's table at start and holds it (the resync file's
     * 0), the two agreed their extensions and authenticated each other again, and its external cache counts fw1's
     * flows.
     */
    private static void assertResynced(LabMachine fw2) throws IOException, InterruptedException {
        assertTrue(Await.await(() -> peerAgreed(fw2), AWAIT_MILLIS), "the new daemon and fw1 authenticate again");
        assertTrue(Await.await(() -> quietStats(fw2).contains("peer table: held "), AWAIT_MILLIS),
                () -> "fw2 holds fw1's table after its restart:\n" + quietStats(fw2));
        String stats = fw2.sh("hftfw sync stats").check().output();
        Matcher external = Pattern.compile("external cache:\\s+(\\d+) flows").matcher(stats);
        assertTrue(external.find() && Integer.parseInt(external.group(1)) >= FLOWS, stats);
        assertEquals("0", fw2.sh("cat /run/hftfw/resync").check().output().strip(), "the resync file says held");
    }

    private static String quietStats(LabMachine m) {
        try {
            LabMachine.Result r = m.quietly("hftfw sync stats");
            return r.output() + r.errors();
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static void assertConfigKept(LabMachine m, String edited) throws IOException {
        assertEquals(edited, Files.readString(m.file("/etc/hftfw/hftfw.conf")),
                "the operator's edited /etc/hftfw/hftfw.conf is kept");
    }

    private static String pid(LabMachine m) throws IOException, InterruptedException {
        String status = m.sh("systemctl status hftfw").check().output();
        Matcher p = MAIN_PID.matcher(status);
        assertTrue(p.find(), status);
        return p.group(1);
    }

    /** The version the running daemon reports on its metrics endpoint (section 7's scrape address). */
    private static String runningVersion(LabMachine m) throws IOException, InterruptedException {
        String metrics = m.sh("exec 3<>/dev/tcp/127.0.0.1/9477 && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3"
                + " && grep '^hftfw_build_info' <&3").check().output();
        Matcher v = BUILD_INFO.matcher(metrics);
        assertTrue(v.find(), metrics);
        return v.group(1);
    }

    private static String dpkgStatus(LabMachine m) throws IOException, InterruptedException {
        return m.sh("dpkg-query -W -f '${Status}' hftfw").check().output().strip();
    }

    private static String installedVersion(LabMachine m) throws IOException, InterruptedException {
        return m.sh("dpkg-query -W -f '${Version}' hftfw").check().output().strip();
    }

    /** The version the package's jar reports (its manifest's Implementation-Version). */
    private static String buildVersion(Path deb) throws IOException, InterruptedException {
        Path x = Files.createTempDirectory("hftfw-upgrade-lab");
        try {
            run(List.of("dpkg-deb", "--fsys-tarfile", deb.toString()), x.resolve("fs.tar"));
            run(List.of("tar", "-C", x.toString(), "-xf", x.resolve("fs.tar").toString(),
                    "./usr/lib/hftfw/lib/hftfw.jar"), null);
            try (FileSystem jar = FileSystems.newFileSystem(x.resolve("usr/lib/hftfw/lib/hftfw.jar"));
                 InputStream in = Files.newInputStream(jar.getPath("META-INF/MANIFEST.MF"))) {
                return new Manifest(in).getMainAttributes().getValue(Attributes.Name.IMPLEMENTATION_VERSION);
            }
        } finally {
            run(List.of("rm", "-rf", x.toString()), null);
        }
    }

    private static String field(Path deb, String name) throws IOException, InterruptedException {
        Path f = Files.createTempFile("hftfw-upgrade-lab", ".field");
        try {
            run(List.of("dpkg-deb", "-f", deb.toString(), name), f);
            return Files.readString(f).strip();
        } finally {
            Files.delete(f);
        }
    }

    /**
     * The next version of {@code deb}: its control file's Version and its jar's Implementation-Version with
     * {@link #NEXT} appended (dpkg orders 0.1.0~SNAPSHOT+lab2 after 0.1.0~SNAPSHOT), and a line added to its
     * /etc/hftfw/hftfw.conf (a new release's file differs from the old one's). Unpacked and built again with dpkg-deb,
     * as dist/build.sh builds it.
     */
    static Path nextVersion(Path deb, Path work) throws IOException, InterruptedException {
        Path root = work.resolve("root");
        Files.createDirectories(work);
        run(List.of("dpkg-deb", "-R", deb.toString(), root.toString()), null);
        Path control = root.resolve("DEBIAN/control");
        String version = field(deb, "Version") + NEXT;
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: .*$", "Version: " + version));
        try (FileSystem jar = FileSystems.newFileSystem(root.resolve("usr/lib/hftfw/lib/hftfw.jar"))) {
            Path mf = jar.getPath("META-INF/MANIFEST.MF");
            Manifest manifest;
            try (InputStream in = Files.newInputStream(mf)) {
                manifest = new Manifest(in);
            }
            Attributes main = manifest.getMainAttributes();
            main.put(Attributes.Name.IMPLEMENTATION_VERSION,
                    main.getValue(Attributes.Name.IMPLEMENTATION_VERSION) + NEXT);
            try (OutputStream out = Files.newOutputStream(mf)) {
                manifest.write(out);
            }
        }
        Files.writeString(root.resolve("etc/hftfw/hftfw.conf"), "\n# (lab) the next release's file: a new key and "
                + "its comment would be here\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Path next = work.resolve("hftfw_" + version + "_amd64.deb");
        run(List.of("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", root.toString(), next.toString()),
                null);
        return next;
    }

    /** Runs a host command (dpkg-deb, tar), bounded; its stdout into {@code stdout} when given. */
    private static void run(List<String> command, Path stdout) throws IOException, InterruptedException {
        Path err = Files.createTempFile("hftfw-upgrade-lab", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile());
            pb.redirectOutput(stdout == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(
                    stdout.toFile()));
            Process p = pb.start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(command + " still running after 300 s");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(command + ": exit " + p.exitValue() + "\n" + Files.readString(err));
            }
        } finally {
            Files.delete(err);
        }
    }

    /** fw1 and fw2 joined by the sync link (eth3, as in docs/deploy.md's table), each with its service manager. */
    private static final class Nodes implements AutoCloseable {
        LabMachine fw1;
        LabMachine fw2;
        private ServiceManager services1;
        private ServiceManager services2;

        static Nodes wire(NetnsLab lab, Path dir, Path journals, Path transcript)
                throws IOException, InterruptedException {
            Nodes nodes = new Nodes();
            try {
                NetnsLab.Netns ns1 = lab.netns("fw1");
                NetnsLab.Netns ns2 = lab.netns("fw2");
                lab.veth(ns1, "eth3", ns2, "eth3");
                ns1.addr("eth3", "10.0.99.1/24");
                ns2.addr("eth3", "10.0.99.2/24");
                nodes.fw1 = LabMachine.boot("fw1", ns1, dir.resolve("fw1"), transcript);
                nodes.services1 = new ServiceManager(nodes.fw1, journals);
                nodes.services1.answerSystemctlInside();
                nodes.fw2 = LabMachine.boot("fw2", ns2, dir.resolve("fw2"), transcript);
                nodes.services2 = new ServiceManager(nodes.fw2, journals);
                nodes.services2.answerSystemctlInside();
            } catch (LabMachine.MachineRefused e) {
                nodes.close();
                Assumptions.abort(e.getMessage());
            } catch (IOException | InterruptedException | RuntimeException e) {
                nodes.close();
                throw e;
            }
            return nodes;
        }

        ServiceManager services(LabMachine m) {
            return m == fw1 ? services1 : services2;
        }

        @Override
        public void close() {
            for (ServiceManager s : new ServiceManager[] {services1, services2}) {
                if (s != null) {
                    s.close();
                }
            }
            for (LabMachine m : new LabMachine[] {fw1, fw2}) {
                if (m != null) {
                    m.close();
                }
            }
        }
    }
}
