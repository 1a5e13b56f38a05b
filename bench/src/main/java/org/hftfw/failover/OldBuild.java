package org.hftfw.failover;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * An earlier build of hFT-FW from this checkout's git history, for the rolling upgrade between two different builds
 * (docs/deploy.md section 8): the revision is cloned from the checkout into a folder of its own and built there
 * offline from the local Maven repository ({@code mvn -o package -DskipTests -Dhftfw.quick}: the sidecar's jar and
 * its libraries; never {@code install}, which would put the old artifacts into the shared repository). The folder is
 * named by the full commit and kept, so a second run of the same revision costs nothing; a half-finished build is
 * never reused (the stamp file is written last).
 *
 * @param commit  the full commit name
 * @param subject the commit's subject line, for the lab's output
 * @param home    the built tree
 */
public record OldBuild(String commit, String subject, Path home) {
    /** Written once the build succeeded: a folder without it is built again. */
    private static final String STAMP = "hftfw-old-build.ok";
    private static final long BUILD_MINUTES = 30;

    /** Why an old build cannot be made here: no git history, no Maven, no JDK compiler. */
    public static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String why) {
            super(why);
        }
    }

    /**
     * The build of {@code revision} (a commit name, tag or other git revision) of the checkout at {@code checkout},
     * made under {@code cacheDir} unless it is there already. Progress goes to {@code log}.
     *
     * @throws Unavailable when this machine cannot make it (a shallow clone without that commit, no {@code mvn},
     *                     no JDK, or an offline build that cannot resolve from the local repository): the lab cannot
     *                     run, which is not a failure of the code under test
     */
    public static OldBuild of(Path checkout, String revision, Path cacheDir, PrintStream log)
            throws Unavailable, IOException, InterruptedException {
        Run rev = run(checkout, List.of("git", "rev-parse", "--verify", "--quiet", revision + "^{commit}"), 60);
        if (rev.exit() != 0) {
            throw new Unavailable("the checkout " + checkout + " has no commit '" + revision + "' (a shallow clone? "
                    + "git fetch --unshallow)" + (rev.output().isBlank() ? "" : ": " + rev.output().strip()));
        }
        String commit = rev.output().strip();
        String subject = run(checkout, List.of("git", "log", "-1", "--format=%s", commit), 60).output().strip();
        Path home = cacheDir.resolve("hftfw-" + commit);
        OldBuild b = new OldBuild(commit, subject, home);
        if (Files.exists(home.resolve(STAMP))) {
            log.println("old build " + b.label() + ": reused from " + home);
            return b;
        }
        Path javac = Path.of(System.getProperty("java.home"), "bin", "javac");
        if (!Files.isExecutable(javac)) {
            throw new Unavailable("building the old revision needs a JDK: " + javac + " is missing (this runs on a "
                    + "runtime without a compiler, e.g. the package's)");
        }
        if (run(checkout, List.of("mvn", "--version"), 120).exit() != 0) {
            throw new Unavailable("building the old revision needs Maven (mvn) on PATH");
        }
        deleteTree(home);
        Files.createDirectories(cacheDir);
        long t0 = System.nanoTime();
        log.println("old build " + b.label() + ": cloning into " + home + " and building it offline (minutes)");
        Run clone = run(cacheDir, List.of("git", "clone", "--quiet", "--no-checkout", checkout.toString(),
                home.toString()), 600);
        Run checkoutRev = clone.exit() != 0 ? clone
                : run(home, List.of("git", "-c", "advice.detachedHead=false", "checkout", "--quiet", commit), 600);
        if (checkoutRev.exit() != 0) {
            throw new IOException("cannot clone " + checkout + " at " + commit + ": " + checkoutRev.output());
        }
        Run mvn = run(home, List.of("mvn", "-B", "-ntp", "-o", "-q", "package", "-DskipTests", "-Dhftfw.quick"),
                BUILD_MINUTES * 60);
        if (mvn.exit() != 0) {
            String out = mvn.output();
            String tail = out.length() > 4000 ? out.substring(out.length() - 4000) : out;
            // offline: a dependency or plugin the old tree names and the local repository lacks is this machine's
            // state, not the code's; any other failure is reported as one
            if (tail.contains("offline mode") || tail.contains("Could not resolve") || tail.contains("not been "
                    + "downloaded from it before")) {
                throw new Unavailable("the old revision does not build offline from the local Maven repository: "
                        + tail.strip().lines().filter(l -> l.contains("ERROR")).findFirst().orElse(tail.strip()));
            }
            throw new IOException("the old revision " + commit + " did not build (mvn exit " + mvn.exit() + "):\n"
                    + tail);
        }
        if (!Files.isRegularFile(b.jar())) {
            throw new IOException("the old revision built, but " + b.jar() + " is missing");
        }
        Files.writeString(home.resolve(STAMP), commit + "\n");
        log.println(String.format(Locale.ROOT, "old build %s: built in %.0f s (load average %s)", b.label(),
                (System.nanoTime() - t0) / 1e9, FailoverLab.loadAverage()));
        return b;
    }

    /** The short commit and its subject, e.g. {@code b6b48ee (Lab tests: ...)}. */
    public String label() {
        String s = subject.length() > 60 ? subject.substring(0, 57) + "..." : subject;
        return commit.substring(0, 7) + " (" + s + ")";
    }

    Path jar() {
        return home.resolve("sidecar").resolve("target").resolve("hftfw.jar");
    }

    /**
     * The command that runs the old build's CLI with {@code javaCommand} (this JVM's: the old build targets the same Java),
     * as the lab runs the current one: its jar and libraries on the class path.
     */
    public List<String> command(String javaCommand) {
        Path lib = home.resolve("sidecar").resolve("target").resolve("lib");
        return List.of(javaCommand, "--enable-native-access=ALL-UNNAMED", "-XX:+UseCompactObjectHeaders", "-cp",
                jar() + File.pathSeparator + lib.resolve("*"), "org.hftfw.sidecar.Hftfw");
    }

    private record Run(int exit, String output) {}

    private static Run run(Path dir, List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Path out = Files.createTempFile("hftfw-old-build", ".out");
        try {
            pb.redirectOutput(out.toFile());
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                return new Run(127, cmd.getFirst() + ": " + e.getMessage());
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return new Run(124, String.join(" ", cmd) + ": no end within " + timeoutSeconds + " s");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
