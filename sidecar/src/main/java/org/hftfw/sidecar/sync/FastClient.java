package org.hftfw.sidecar.sync;

import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.hftfw.sidecar.Hftfw;

/**
 * The entry point {@code bin/hftfw} starts for the control commands a cluster manager runs on a takeover
 * ({@code commit}, {@code sync stats|flush|resync|bulk}, {@code migrate now}, {@code policy status|manual}): these
 * must reply within 50 ms of process start (issue 10 item 3), where the full command line took 0.8-2 s.
 *
 * <p>It loads java.base and a handful of this module's classes: no picocli, no logging, no Typesafe Config (the
 * control socket is found by {@link ControlSocketLookup}, or for {@code --conntrackd-conf} in the daemon's record,
 * {@link ControlSocketRecords}), no lambdas or string concatenation on the path, so the JVM links almost nothing;
 * {@code bin/hftfw} adds the JVM options and the AOT cache that make the rest fast (docs/daemon.md, "Fast control
 * commands"). It accepts exactly the options of those commands ({@code -C/--config}, {@code --conntrackd-conf}
 * alone, {@code --socket}, {@code --why}). Anything else — {@code --help}, a typo, an argument file, a config it
 * cannot read for certain, a record nobody answers behind — goes to the full command line ({@link Hftfw}), which
 * answers as it always did: through {@link #HAND_OVER} when bin/hftfw started the client.
 */
public final class FastClient {
    private FastClient() {}

    /**
     * A recognised control command.
     *
     * @param line           the request line
     * @param socket         the control socket from {@code --socket}, or null
     * @param config         the config file to find it in ({@code -C}, default {@value SyncCommand#DEFAULT_CONFIG})
     * @param conntrackdConf {@code --conntrackd-conf}: the file whose daemon's record names the socket
     *                       ({@link ControlSocketRecords}), or null
     */
    record Request(String line, Path socket, Path config, Path conntrackdConf) {
        /** True when the socket comes from a daemon's record, which may outlive its daemon (kill -9). */
        boolean fromRecord() {
            return socket == null && conntrackdConf != null;
        }
    }

    public static void main(String[] args) {
        Request r = parse(args);
        Path socket = r == null ? null : socket(r);
        if (socket == null) {
            fullCommandLine(args);
            return;
        }
        PrintWriter out = new PrintWriter(System.out, false, System.out.charset());
        PrintWriter err = new PrintWriter(System.err, false, System.err.charset());
        // nobody behind a record: a daemon that is gone, and the full command line reads the file and says so
        int status = ControlClient.call(socket, r.line(), out, err, r.fromRecord());
        if (status == HAND_OVER) {
            fullCommandLine(args);
            return;
        }
        System.exit(status);
    }

    /**
     * Exit status, with no output, for "not a fast command": bin/hftfw then starts the full command line with its
     * usual JVM options. The client runs on a class path of two jars and interpreted, where the full one would take
     * seconds.
     */
    static final int HAND_OVER = 99;

    /** Hands {@code args} to the full command line: in this JVM when its libraries are on the class path (tests). */
    private static void fullCommandLine(String[] args) {
        if (FastClient.class.getClassLoader().getResource("picocli/CommandLine.class") == null) {
            System.exit(HAND_OVER);
        }
        Hftfw.main(args);
    }

    /**
     * The control socket of {@code r}: {@code --socket}; the record of the daemon started with
     * {@code --conntrackd-conf} (this client does not read conntrackd's syntax); the config's when it can be read for
     * certain; else null.
     */
    static Path socket(Request r) {
        if (r.socket() != null) {
            return r.socket();
        }
        if (r.conntrackdConf() != null) {
            return ControlSocketRecords.recorded(ControlSocketRecords.directory(), r.conntrackdConf());
        }
        return ControlSocketLookup.find(r.config()).orElse(null);
    }

    /** The request {@code args} make, or null when they are not exactly one of the fast commands. */
    static Request parse(String... args) {
        if (args.length == 0) {
            return null;
        }
        int words;
        String line;
        boolean takesWhy = false;
        boolean takesCommand = false;
        String second = args.length > 1 ? args[1] : "";
        switch (args[0]) {
            case "commit" -> {
                words = 1;
                line = "commit";
            }
            case "sync" -> {
                words = 2;
                line = switch (second) {
                    case "stats", "flush", "resync", "bulk" -> second;
                    default -> null;
                };
            }
            case "migrate" -> {
                words = 2;
                line = second.equals("now") ? "" : null;
                takesWhy = true;
            }
            case "policy" -> {
                words = 2;
                line = second.equals("status") ? "policy status" : second.equals("manual") ? "" : null;
                takesWhy = takesCommand = second.equals("manual");
            }
            default -> {
                return null;
            }
        }
        if (line == null) {
            return null;
        }
        String socket = null;
        String config = null;
        String conntrackdConf = null;
        String why = null;
        String command = null;
        for (int k = words; k < args.length; k++) {
            String a = args[k];
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (a.startsWith("-C") && a.length() > 2) {
                name = "-C";
                value = a.charAt(2) == '=' ? a.substring(3) : a.substring(2);
            }
            if (!a.startsWith("-")) {
                if (!takesCommand || command != null || a.startsWith("@")) {
                    return null;
                }
                command = a;
                continue;
            }
            if (value == null) {
                if (k + 1 >= args.length || args[k + 1].startsWith("-") || args[k + 1].startsWith("@")) {
                    return null;
                }
                value = args[++k];
            }
            switch (name) {
                case "--socket" -> {
                    if (socket != null) {
                        return null;
                    }
                    socket = value;
                }
                case "-C", "--config" -> {
                    if (config != null) {
                        return null;
                    }
                    config = value;
                }
                case "--conntrackd-conf" -> {
                    if (conntrackdConf != null) {
                        return null;
                    }
                    conntrackdConf = value;
                }
                case "--why" -> {
                    if (!takesWhy || why != null) {
                        return null;
                    }
                    why = value;
                }
                default -> {
                    return null;
                }
            }
        }
        String w = ControlRequests.why(why);
        if (w == null || (takesCommand && command == null) || (socket != null && socket.isEmpty())
                || (conntrackdConf != null && (conntrackdConf.isEmpty() || config != null))) {
            return null;                   // with -C too, the full command line combines the two files
        }
        if (args[0].equals("migrate")) {
            line = ControlRequests.migrateNow(w);
        } else if (takesCommand) {
            line = ControlRequests.policyManual(command, w);
        }
        try {
            return new Request(line, socket == null ? null : Path.of(socket),
                    Path.of(config == null ? SyncCommand.DEFAULT_CONFIG : config),
                    conntrackdConf == null ? null : Path.of(conntrackdConf));
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
