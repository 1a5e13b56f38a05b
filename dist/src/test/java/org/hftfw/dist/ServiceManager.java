package org.hftfw.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.common.Await;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.sidecar.systemd.FakeNotifySocket;

/**
 * systemd's part in the deploy lab, for the guide's {@code systemctl} and {@code journalctl} commands: systemd is not
 * PID 1 here, so this runs the units the packages installed in a {@link LabMachine} as systemd would run them, from
 * the unit files themselves ({@code /etc/systemd/system} before {@code /lib/systemd/system}).
 *
 * <p>What it takes from a unit's {@code [Service]} section: Type (simple, notify: active once READY=1 arrives on the
 * NOTIFY_SOCKET it owns; oneshot: active once ExecStart exited 0), ExecStart and ExecReload with systemd's
 * {@code $VAR}/{@code ${VAR}} expansion and {@code $MAINPID}, Environment, EnvironmentFile, RuntimeDirectory
 * (removed on stop unless RuntimeDirectoryPreserve), StateDirectory, their modes, UMask, WatchdogSec (WATCHDOG_USEC;
 * not enforced), CapabilityBoundingSet and AmbientCapabilities (setpriv), NoNewPrivileges, Restart=on-failure with
 * RestartSec, TimeoutStopSec. The file-system and system-call sandboxing (ProtectSystem, SystemCallFilter, ...) is not
 * applied. Output goes to a journal file per unit; syslog(3) lines are not collected.
 *
 * <p>A restart after a failure waits RestartSec, and also until the test lets restarts through
 * ({@link #holdRestarts}): a restart that is late, as on a busy machine, so that a test looks at a takeover before
 * the old master's daemon comes back, whatever the machine's speed.
 */
final class ServiceManager implements AutoCloseable {
    private static final List<String> UNIT_DIRS = List.of("/etc/systemd/system", "/lib/systemd/system");
    private static final Pattern VAR = Pattern.compile("\\$\\{(\\w+)}|\\$(\\w+)");
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

    private final LabMachine machine;
    private final Map<String, Service> services = new ConcurrentHashMap<>();
    private final Path journals;
    private final Map<String, String> startedWhen = new HashMap<>();
    private final FakeNotifySocket syslog;
    private final Thread syslogReader;
    private final List<String> syslogLines = new ArrayList<>();
    private boolean holding;
    /** Serves the machine's own systemctl ({@link #answerSystemctlInside}); null until asked to. */
    private Thread systemctlServer;
    private volatile boolean closing;

    /**
     * Also listens on the machine's /dev/log (/run/systemd/journal/dev-log, journald's socket) for syslog(3) lines,
     * which {@code journalctl -u UNIT} shows beside the unit's output when their tag names the unit.
     *
     * @param journals where each unit's output is kept (a file per unit)
     */
    ServiceManager(LabMachine machine, Path journals) throws IOException, InterruptedException {
        this.machine = machine;
        this.journals = journals;
        machine.quietly("install -d -m 0755 /run/systemd/journal /run/hftfw-lab").check();
        syslog = new FakeNotifySocket(machine.file("/run/systemd/journal/dev-log").toString(), Duration.ofMillis(500));
        syslogReader = Thread.ofPlatform().daemon().name("lab-syslog-" + machine.name()).start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    String m = syslog.receive();
                    if (m != null) {
                        synchronized (syslogLines) {
                            syslogLines.add(m.strip());
                        }
                    }
                }
            } catch (IOException e) {
                synchronized (syslogLines) {
                    syslogLines.add("(lab: syslog socket failed: " + e.getMessage() + ")");
                }
            }
        });
    }

    /**
     * A Type=notify unit whose daemon notifies only a parent that is systemd as PID 1 (keepalived's
     * check_parent_systemd, lib/systemd.c) counts as started once {@code file} exists in the machine.
     */
    void startedWhen(String unit, String file) {
        startedWhen.put(unit, file);
    }

    /** Where the machine's systemctl stand-in and this manager meet (in the machine's /run). */
    private static final String SYSTEMCTL_SPOOL = "/run/hftfw-lab/systemctl";

    /**
     * The machine's systemctl stand-in: a script that sends its arguments down a FIFO to this manager and prints
     * the answer. The maintainer scripts' calls (deb-systemd-invoke's too) come here.
     */
    private static final String SYSTEMCTL_SHIM = String.join("\n",
            "#!/bin/sh",
            "# lab (ServiceManager): systemctl of the lab's service manager, for the packages' maintainer scripts",
            "d=" + SYSTEMCTL_SPOOL,
            "reply=$d/$$.reply",
            "rm -f \"$reply\" && mkfifo -m 600 \"$reply\" || exit 1",
            "echo \"$$ $*\" > $d/requests",
            "{ read -r rc; cat; } < \"$reply\"",
            "rm -f \"$reply\"",
            "exit \"${rc:-1}\"",
            "");

    /**
     * Makes the machine look like systemd runs it to the packages' maintainer scripts, which act only when
     * {@code /run/systemd/system} exists (as dh_installsystemd's do): that directory, and {@code /usr/bin/systemctl}
     * answered by this manager (in the machine's overlay only: the host's file is untouched; not /usr/local/sbin, as
     * apt runs dpkg with PATH=/usr/sbin:/usr/bin:/sbin:/bin, its DPkg::Path). So
     * {@code apt install} runs the scripts' daemon-reload, try-restart and stop against the units here, as systemd
     * would run them. Without this, the scripts see no systemd and leave the units alone. A policy-rc.d of the host's
     * root (container images carry one that refuses every service action with 101) is removed in the machine: a
     * Debian node has none, and deb-systemd-invoke would ask it.
     */
    void answerSystemctlInside() throws IOException, InterruptedException {
        machine.quietly("install -d -m 0755 /run/systemd/system && install -d -m 0700 " + SYSTEMCTL_SPOOL
                + " && rm -f " + SYSTEMCTL_SPOOL + "/requests /usr/bin/systemctl /usr/sbin/policy-rc.d"
                + " && mkfifo -m 0600 " + SYSTEMCTL_SPOOL + "/requests"
                + " && cat > /usr/bin/systemctl <<'EOF'\n" + SYSTEMCTL_SHIM
                + "EOF\nchmod 0755 /usr/bin/systemctl").check();
        Path requests = machine.file(SYSTEMCTL_SPOOL + "/requests");
        systemctlServer = Thread.ofPlatform().daemon().name("lab-systemctl-" + machine.name()).start(() -> {
            while (!closing) {
                // opening a FIFO waits for a writer; its end of file is that writer's close
                try (var in = Files.newBufferedReader(requests, StandardCharsets.UTF_8)) {
                    for (String line = in.readLine(); line != null && !closing; line = in.readLine()) {
                        answer(line);
                    }
                } catch (IOException e) {
                    if (!closing) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
        });
    }

    /** One request of the machine's systemctl: {@code PID ARGS...}; the exit status and output go to PID's FIFO. */
    private void answer(String request) throws IOException {
        List<String> words = words(request);
        if (words.isEmpty()) {
            return;
        }
        String pid = words.removeFirst();
        String command = "systemctl " + String.join(" ", words) + "   (lab: from inside the machine)";
        String reply;
        try {
            LabMachine.Result r = systemctl(command, words);
            reply = r.exitCode() + "\n" + r.output();
        } catch (IllegalArgumentException | IllegalStateException e) {
            reply = "1\n" + e.getMessage() + "\n";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply = "1\ninterrupted\n";
        }
        Files.writeString(machine.file(SYSTEMCTL_SPOOL + "/" + pid + ".reply"), reply, StandardCharsets.UTF_8,
                StandardOpenOption.WRITE);
    }

    /** Restarts after a failure wait (beyond RestartSec) until {@link #releaseRestarts}. */
    synchronized void holdRestarts() {
        holding = true;
    }

    synchronized void releaseRestarts() {
        holding = false;
        notifyAll();
    }

    private synchronized void awaitRestartAllowed() throws InterruptedException {
        while (holding) {
            wait();
        }
    }

    /** What a unit's main process and its state are now. */
    enum State { INACTIVE, ACTIVATING, ACTIVE, EXITED, FAILED, AUTO_RESTART }

    /** One unit, as loaded from its file. */
    private final class Service {
        final String name;
        final String path;
        /** The unit file's keys, read again by daemon-reload (an upgrade's new unit file). */
        volatile Map<String, List<String>> keys;
        final Path journal;
        volatile State state = State.INACTIVE;
        volatile String status = "";
        volatile boolean enabled;
        volatile Process main;
        volatile boolean stopping;
        volatile int lastExit;
        final AtomicInteger starts = new AtomicInteger();
        FakeNotifySocket notify;
        Thread notifyReader;
        final List<String> notifications = new ArrayList<>();

        Service(String name, String path, Map<String, List<String>> keys) {
            this.name = name;
            this.path = path;
            this.keys = keys;
            this.journal = journals.resolve(machine.name() + "-" + name + ".journal");
        }

        String one(String key, String dflt) {
            List<String> v = keys.getOrDefault(key, List.of());
            return v.isEmpty() ? dflt : v.getLast();
        }
    }

    /** {@code systemctl ARGS...}: the exit status and what systemctl would print. */
    LabMachine.Result systemctl(String command, List<String> args) throws IOException, InterruptedException {
        List<String> a = new ArrayList<>(args);
        // what maintainer scripts and deb-systemd-invoke add: the system manager is the only one here, output is
        // systemctl's only when something fails
        a.removeAll(List.of("--system", "--quiet"));
        String verb = a.removeFirst();
        if (verb.equals("daemon-reload") && a.isEmpty()) {
            daemonReload();
            return machine.record(new LabMachine.Result(command, 0, ""));
        }
        boolean now = a.remove("--now");
        String signal = "SIGTERM";
        int s = a.indexOf("-s");
        if (s >= 0) {
            signal = a.get(s + 1);
            a.subList(s, s + 2).clear();
        }
        if (a.size() != 1 || a.getFirst().startsWith("-")) {
            throw new IllegalArgumentException("the lab's systemctl takes one unit and --now / -s: " + command);
        }
        Service svc = load(a.getFirst().replaceFirst("\\.service$", ""));
        String out = "";
        int rc = 0;
        switch (verb) {
            case "enable" -> {
                svc.enabled = true;
                if (now && svc.state != State.ACTIVE) {
                    rc = start(svc);
                }
            }
            case "disable" -> {
                svc.enabled = false;
                if (now) {
                    stop(svc, false);
                }
            }
            case "start" -> rc = svc.state == State.ACTIVE ? 0 : start(svc);
            case "stop" -> stop(svc, false);
            case "restart" -> {
                stop(svc, true);
                rc = start(svc);
            }
            case "try-restart" -> {
                // only a running unit, or one starting or waiting to restart (systemd: "restart if active"); a
                // stopped or failed one stays as it is, with success
                if (svc.state == State.ACTIVE || svc.state == State.ACTIVATING || svc.state == State.AUTO_RESTART) {
                    stop(svc, true);
                    rc = start(svc);
                }
            }
            case "reload" -> rc = reload(svc);
            case "kill" -> kill(svc, signal);
            case "status" -> {
                out = status(svc);
                rc = svc.state == State.ACTIVE || svc.state == State.EXITED ? 0 : 3;
            }
            case "is-active" -> {
                out = svc.state == State.ACTIVE ? "active\n" : svc.state.name().toLowerCase(Locale.ROOT) + "\n";
                rc = svc.state == State.ACTIVE ? 0 : 3;
            }
            default -> throw new IllegalArgumentException("the lab's systemctl does not do '" + verb + "': "
                    + command);
        }
        if (rc != 0 && out.isEmpty()) {
            out = "Job for " + svc.name + ".service failed. (lab: exit " + svc.lastExit + ")\n" + journal(svc, 30);
        }
        return machine.record(new LabMachine.Result(command, rc, out));
    }

    /** {@code journalctl -u UNIT [-n N]}: the unit's output so far. */
    LabMachine.Result journalctl(String command, List<String> args) throws IOException {
        int u = args.indexOf("-u");
        int n = args.indexOf("-n");
        if (u < 0 || args.contains("-f")) {
            throw new IllegalArgumentException("the lab's journalctl takes -u UNIT [-n N], and cannot follow: "
                    + command);
        }
        Service svc = services.get(args.get(u + 1).replaceFirst("\\.service$", ""));
        String out = svc == null ? "-- No entries --\n"
                : journal(svc, n < 0 ? Integer.MAX_VALUE : Integer.parseInt(args.get(n + 1)));
        return machine.record(new LabMachine.Result(command, 0, out));
    }

    /** The state of {@code unit} now (inactive when it was never loaded). */
    State state(String unit) {
        Service svc = services.get(unit);
        return svc == null ? State.INACTIVE : svc.state;
    }

    /** How many times the unit's main process has been started. */
    int starts(String unit) {
        Service svc = services.get(unit);
        return svc == null ? 0 : svc.starts.get();
    }

    String journal(String unit) {
        Service svc = services.get(unit);
        return svc == null ? "" : journal(svc, Integer.MAX_VALUE);
    }

    private String journal(Service svc, int lines) {
        try {
            List<String> all = new ArrayList<>();
            if (Files.exists(svc.journal)) {
                all.addAll(Files.readAllLines(svc.journal, StandardCharsets.UTF_8));
            }
            String tag = svc.name.toLowerCase(Locale.ROOT);
            synchronized (syslogLines) {
                syslogLines.stream().filter(l -> l.toLowerCase(Locale.ROOT).contains(" " + tag)).forEach(all::add);
            }
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
        } catch (IOException e) {
            return "(journal unreadable: " + e.getMessage() + ")\n";
        }
    }

    private Service load(String name) throws IOException, InterruptedException {
        Service known = services.get(name);
        if (known != null) {
            return known;
        }
        for (String dir : UNIT_DIRS) {
            String path = dir + "/" + name + ".service";
            LabMachine.Result cat = machine.quietly("cat " + path + " 2>/dev/null || true");
            if (!cat.output().isEmpty()) {
                Service svc = new Service(name, path, parse(cat.output()));
                services.put(name, svc);
                return svc;
            }
        }
        throw new IllegalArgumentException("Unit " + name + ".service not found in " + machine);
    }

    /**
     * {@code systemctl daemon-reload}: every unit loaded so far is read again from its file (a package upgrade may
     * have changed it); a running unit whose file is gone keeps what it was started with, as systemd keeps it.
     */
    private void daemonReload() throws IOException, InterruptedException {
        for (Service svc : List.copyOf(services.values())) {
            LabMachine.Result cat = machine.quietly("cat " + svc.path + " 2>/dev/null || true");
            if (!cat.output().isEmpty()) {
                svc.keys = parse(cat.output());
            }
        }
    }

    /** The [Service] section's keys, each with its values in order (an empty assignment resets the list). */
    private static Map<String, List<String>> parse(String unit) {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        boolean service = false;
        for (String raw : unit.lines().toList()) {
            String line = raw.strip();
            if (line.startsWith("[")) {
                service = line.equals("[Service]");
            } else if (service && !line.isEmpty() && !line.startsWith("#") && line.contains("=")) {
                String key = line.substring(0, line.indexOf('=')).strip();
                String value = line.substring(line.indexOf('=') + 1).strip();
                List<String> values = keys.computeIfAbsent(key, k -> new ArrayList<>());
                if (value.isEmpty()) {
                    values.clear();
                } else {
                    values.add(value);
                }
            }
        }
        return keys;
    }

    private Map<String, String> environment(Service svc) throws IOException, InterruptedException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin");
        env.put("LANG", "C.UTF-8");
        for (String assignments : svc.keys.getOrDefault("Environment", List.of())) {
            for (String a : words(assignments)) {
                env.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            }
        }
        for (String file : svc.keys.getOrDefault("EnvironmentFile", List.of())) {
            boolean optional = file.startsWith("-");
            String f = optional ? file.substring(1) : file;
            LabMachine.Result r = machine.quietly("cat " + f + " 2>/dev/null || " + (optional ? "true" : "exit 1"));
            if (r.exitCode() != 0) {
                throw new IllegalStateException(svc.name + ": EnvironmentFile " + f + " missing");
            }
            for (String line : r.output().lines().toList()) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#") && !l.startsWith(";") && l.contains("=")) {
                    String v = l.substring(l.indexOf('=') + 1).strip();
                    if (v.length() >= 2 && ((v.startsWith("\"") && v.endsWith("\""))
                            || (v.startsWith("'") && v.endsWith("'")))) {
                        v = v.substring(1, v.length() - 1);
                    }
                    env.put(l.substring(0, l.indexOf('=')).strip(), v);
                }
            }
        }
        return env;
    }

    /** systemd's command-line splitting: words, double or single quotes; then $VAR splits, ${VAR} does not. */
    private static List<String> argv(String line, Map<String, String> env) {
        List<String> out = new ArrayList<>();
        for (String word : words(line)) {
            Matcher whole = Pattern.compile("\\$(\\w+)").matcher(word);
            if (whole.matches()) {
                out.addAll(words(env.getOrDefault(whole.group(1), "")));
                continue;
            }
            Matcher m = VAR.matcher(word);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String var = m.group(1) != null ? m.group(1) : m.group(2);
                m.appendReplacement(sb, Matcher.quoteReplacement(env.getOrDefault(var, "")));
            }
            m.appendTail(sb);
            out.add(sb.toString());
        }
        return out;
    }

    private static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(w.toString());
        }
        return out;
    }

    private static Duration seconds(String value) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|min)?").matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("a time span the lab does not read: " + value);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "min" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }

    private int start(Service svc) throws IOException, InterruptedException {
        Map<String, String> env = environment(svc);
        String type = svc.one("Type", "simple");
        if (type.equals("oneshot")) {
            int rc = 0;
            for (String exec : svc.keys.getOrDefault("ExecStart", List.of())) {
                LabMachine.Result r = machine.quietly(shellQuote(argv(exec, env)));
                Files.writeString(svc.journal, r.output(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                rc = rc == 0 ? r.exitCode() : rc;
            }
            svc.lastExit = rc;
            svc.state = rc == 0 ? State.EXITED : State.FAILED;
            return rc == 0 ? 0 : 1;
        }
        directory(svc, "RuntimeDirectory", "/run/", "0755");
        directory(svc, "StateDirectory", "/var/lib/", "0755");
        String watchdog = svc.one("WatchdogSec", "");
        if (!watchdog.isEmpty()) {
            env.put("WATCHDOG_USEC", Long.toString(seconds(watchdog).toNanos() / 1000));
        }
        if (type.equals("notify")) {
            openNotify(svc);
            env.put("NOTIFY_SOCKET", "/run/hftfw-lab/" + svc.name + ".notify");
        }
        List<String> argv = new ArrayList<>(List.of("setpriv"));
        String bounding = capabilities(svc.one("CapabilityBoundingSet", ""));
        if (!bounding.isEmpty()) {
            argv.add("--bounding-set=" + bounding);
        }
        String ambient = capabilities(svc.one("AmbientCapabilities", ""));
        if (!ambient.isEmpty()) {
            argv.add("--inh-caps=" + ambient);
            argv.add("--ambient-caps=" + ambient);
        }
        if (svc.one("NoNewPrivileges", "no").equals("yes")) {
            argv.add("--no-new-privs");
        }
        argv.addAll(List.of("--", "/bin/sh", "-c", "umask " + svc.one("UMask", "0022") + " && exec \"$@\"", "sh"));
        argv.addAll(argv(svc.one("ExecStart", ""), env));
        ProcessBuilder pb = new ProcessBuilder(machine.inside(argv)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(svc.journal.toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        synchronized (svc.notifications) {
            svc.notifications.clear();
        }
        svc.stopping = false;
        svc.state = State.ACTIVATING;
        Process p = machine.spawn(pb);
        svc.main = p;
        svc.starts.incrementAndGet();
        var _ = p.onExit().thenRun(() -> exited(svc, p));
        if (type.equals("notify")) {
            String file = startedWhen.get(svc.name);
            Path started = file == null ? null : machine.file(file);
            java.util.function.BooleanSupplier ready = started == null ? () -> notified(svc, "READY=1")
                    : () -> Files.exists(started);
            Await.await(() -> !p.isAlive() || ready.getAsBoolean(), READY_TIMEOUT.toMillis());
            if (!p.isAlive() || !ready.getAsBoolean()) {
                return 1;
            }
        }
        svc.state = State.ACTIVE;
        return 0;
    }

    /** "CAP_NET_ADMIN CAP_SYSLOG" as setpriv takes it: -all,+net_admin,+syslog. */
    private static String capabilities(String unitValue) {
        if (unitValue.isBlank()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("-all");
        for (String cap : words(unitValue)) {
            sb.append(",+").append(cap.toLowerCase(Locale.ROOT).replaceFirst("^cap_", ""));
        }
        return sb.toString();
    }

    private void directory(Service svc, String key, String base, String dfltMode) throws IOException,
            InterruptedException {
        for (String names : svc.keys.getOrDefault(key, List.of())) {
            for (String dir : words(names)) {
                machine.quietly("install -d -m " + svc.one(key + "Mode", dfltMode) + " " + base + dir).check();
            }
        }
    }

    private void openNotify(Service svc) throws IOException, InterruptedException {
        if (svc.notify != null) {
            return;
        }
        FakeNotifySocket socket = new FakeNotifySocket(machine.file("/run/hftfw-lab/" + svc.name + ".notify")
                .toString(), Duration.ofMillis(500));
        svc.notify = socket;
        // drained all the time: a full datagram queue (net.unix.max_dgram_qlen) would block the daemon's WATCHDOG=1
        svc.notifyReader = Thread.ofPlatform().daemon().name("lab-notify-" + svc.name).start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    String m = socket.receive();
                    if (m != null) {
                        received(svc, m);
                    }
                }
            } catch (IOException e) {
                svc.status = "notify socket: " + e.getMessage();
            }
        });
    }

    private void received(Service svc, String message) {
        synchronized (svc.notifications) {
            svc.notifications.add(message);
        }
        for (String field : message.lines().toList()) {
            if (field.startsWith("STATUS=")) {
                svc.status = field.substring("STATUS=".length());
            }
        }
    }

    private boolean notified(Service svc, String field) {
        synchronized (svc.notifications) {
            return svc.notifications.stream().anyMatch(m -> m.lines().anyMatch(field::equals));
        }
    }

    /** The main process ended: inactive after a stop, failed or restarted (Restart=on-failure) otherwise. */
    private void exited(Service svc, Process p) {
        if (!p.equals(svc.main)) {
            return;
        }
        svc.lastExit = p.exitValue();
        if (svc.stopping) {
            svc.state = State.INACTIVE;
            return;
        }
        if (p.exitValue() == 0 || !svc.one("Restart", "no").equals("on-failure")) {
            svc.state = p.exitValue() == 0 ? State.INACTIVE : State.FAILED;
            return;
        }
        svc.state = State.AUTO_RESTART;
        Duration delay = seconds(svc.one("RestartSec", "100ms"));
        Thread.ofPlatform().daemon().name("lab-restart-" + svc.name).start(() -> {
            try {
                Thread.sleep(delay);
                awaitRestartAllowed();
                if (svc.state == State.AUTO_RESTART && p.equals(svc.main)) {
                    start(svc);
                }
            } catch (IOException e) {
                svc.status = "restart failed: " + e.getMessage();
                svc.state = State.FAILED;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private int reload(Service svc) throws IOException, InterruptedException {
        Process p = svc.main;
        if (p == null || !p.isAlive()) {
            return 1;
        }
        Map<String, String> env = environment(svc);
        env.put("MAINPID", Long.toString(p.pid()));
        return machine.quietly(shellQuote(argv(svc.one("ExecReload", ""), env))).exitCode();
    }

    /** systemctl kill: the signal to every process of the unit (its main process and what it started). */
    private void kill(Service svc, String signal) throws IOException, InterruptedException {
        Process p = svc.main;
        if (p == null || !p.isAlive()) {
            return;
        }
        List<String> pids = new ArrayList<>();
        p.descendants().forEach(d -> pids.add(Long.toString(d.pid())));
        pids.addFirst(Long.toString(p.pid()));
        List<String> cmd = new ArrayList<>(List.of("kill", "-s", signal.replaceFirst("^SIG", "")));
        cmd.addAll(pids);
        if (new ProcessBuilder(cmd).inheritIO().start().waitFor() != 0) {
            throw new IllegalStateException("kill failed: " + cmd);
        }
    }

    /** SIGTERM to the main process, SIGKILL to all after TimeoutStopSec; the runtime directory goes unless kept. */
    private void stop(Service svc, boolean restarting) throws IOException, InterruptedException {
        svc.stopping = true;
        Process p = svc.main;
        if (p != null && p.isAlive()) {
            p.destroy();
            if (!p.waitFor(seconds(svc.one("TimeoutStopSec", "90s")).toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
            }
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            svc.lastExit = p.exitValue();
        }
        svc.state = State.INACTIVE;
        String preserve = svc.one("RuntimeDirectoryPreserve", "no");
        if (!(preserve.equals("yes") || (restarting && preserve.equals("restart")))) {
            for (String names : svc.keys.getOrDefault("RuntimeDirectory", List.of())) {
                for (String dir : words(names)) {
                    machine.quietly("rm -rf /run/" + dir).check();
                }
            }
        }
    }

    private String status(Service svc) {
        String active = switch (svc.state) {
            case ACTIVE -> "active (running)";
            case EXITED -> "active (exited)";
            case ACTIVATING -> "activating (start)";
            case AUTO_RESTART -> "activating (auto-restart) (Result: exit-code)";
            case FAILED -> "failed (Result: exit-code)";
            case INACTIVE -> "inactive (dead)";
        };
        StringBuilder sb = new StringBuilder();
        sb.append("* ").append(svc.name).append(".service\n");
        sb.append("     Loaded: loaded (").append(svc.path).append("; ").append(svc.enabled ? "enabled" : "disabled")
                .append(")\n");
        sb.append("     Active: ").append(active).append('\n');
        Process p = svc.main;
        if (p != null && p.isAlive()) {
            sb.append("   Main PID: ").append(p.pid()).append('\n');
        }
        if (!svc.status.isEmpty()) {
            sb.append("     Status: \"").append(svc.status).append("\"\n");
        }
        sb.append('\n').append(journal(svc, 10));
        return sb.toString();
    }

    private static String shellQuote(List<String> argv) {
        StringBuilder sb = new StringBuilder();
        for (String a : argv) {
            sb.append(sb.isEmpty() ? "" : " ").append('\'').append(a.replace("'", "'\\''")).append('\'');
        }
        return sb.toString();
    }

    /** Stops every unit (SIGTERM, then SIGKILL) and closes the notify and syslog sockets. */
    @Override
    public void close() {
        closing = true;
        releaseRestarts();
        if (systemctlServer != null) {
            try {
                // a writer's open and close ends the server's wait for one
                machine.quietly("timeout 10 sh -c ': > " + SYSTEMCTL_SPOOL + "/requests' || true");
                systemctlServer.join(10_000);
            } catch (IOException e) {
                // the machine is going away: the server is a daemon thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        syslogReader.interrupt();
        try {
            syslogReader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        syslog.close();
        try {
            synchronized (syslogLines) {
                Files.write(journals.resolve(machine.name() + "-syslog.log"), syslogLines, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            // the syslog copy is for reading after a failure; the test's result does not depend on it
        }
        for (Service svc : services.values()) {
            svc.stopping = true;
            Process p = svc.main;
            if (p != null) {
                NetnsLab.stop(p);
            }
            if (svc.notifyReader != null) {
                svc.notifyReader.interrupt();
                try {
                    svc.notifyReader.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                svc.notify.close();
            }
        }
    }
}
