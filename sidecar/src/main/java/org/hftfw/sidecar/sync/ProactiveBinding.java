package org.hftfw.sidecar.sync;

import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.hftfw.migrator.StateMigrator;
import org.hftfw.policy.PolicyConfig;
import org.hftfw.predictor.PredictorConfig;
import org.hftfw.predictor.SourceRoots;
import org.hftfw.sync.ProactiveSettings;

/**
 * Reads the proactive path's settings (sections {@code predictor}, {@code policy}, {@code migration} of the config
 * file) into a {@link ProactiveSettings}: where the fault predictor reads, its thresholds, the policy state machine
 * (mapped through {@link PolicyConfig#fromMap}) and the state migrator with its handover hooks.
 */
final class ProactiveBinding {
    private ProactiveBinding() {}

    static final String DEFAULTS = """
            predictor {
              enabled = false
              fake-tree = ""
              sysfs-root = "/sys"
              procfs-root = "/proc"
              dev-root = "/dev"
              debugfs-root = "/sys/kernel/debug"
              var-root = "/var"
              sources = all
              interval = 1s
              ce-window = 10m
              ce-warning = 10
              ce-critical = 200
              aer-window = 10m
              aer-correctable-warning = 20
              temp-margin = 5.0
              temp-slope-window = 2m
              temp-slope = 5.0
              nic-window = 1m
              nic-error-warning = 100
              flap-window = 10m
              flap-warning = 3
              log-window = 10m
              log-corrected-warning = 10
              realert = 5m
            }
            policy {
              dry-run = false
              migration-cooldown = 30m
              max-alerts-per-signal = 3
              noisy-signal { alerts = 6, window = 30m }
            }
            migration {
              commit-command = []
              commit-socket = ""
              demote-command = []
              command-timeout = 10s
              ack-timeout = 10s
              poll-interval = 2ms
            }
            """;

    private static final SourceRoots HOST = SourceRoots.host();

    static ProactiveSettings read(SyncSettings.Reader r) {
        boolean enabled = r.bool("predictor.enabled");
        SourceRoots roots = roots(r);
        String sources = r.string("predictor.sources").trim().toLowerCase(Locale.ROOT);
        if (!sources.equals("all") && !sources.equals("sysfs")) {
            r.problems.add("predictor.sources must be all or sysfs, got '" + sources + "'");
        }
        Duration interval = r.positive("predictor.interval");
        return new ProactiveSettings(enabled, roots, !sources.equals("sysfs"), interval, predictor(r), policy(r),
                migration(r));
    }

    private static SourceRoots roots(SyncSettings.Reader r) {
        Path fake = r.path("predictor.fake-tree", true);
        Path sys = r.path("predictor.sysfs-root", false);
        Path proc = r.path("predictor.procfs-root", false);
        Path dev = r.path("predictor.dev-root", false);
        Path debug = r.path("predictor.debugfs-root", false);
        Path var = r.path("predictor.var-root", false);
        if (sys == null || proc == null || dev == null || debug == null || var == null) {
            return HOST;
        }
        SourceRoots explicit = new SourceRoots(sys, proc, dev, debug, var);
        if (fake == null) {
            return explicit;
        }
        if (!explicit.equals(HOST)) {
            r.problems.add("predictor.fake-tree replaces all of predictor.sysfs-root, procfs-root, dev-root, "
                    + "debugfs-root and var-root: set one or the other");
        }
        return SourceRoots.under(fake);
    }

    private static PredictorConfig predictor(SyncSettings.Reader r) {
        long ceWarning = r.longAtLeast("predictor.ce-warning", 1);
        long ceCritical = r.longAtLeast("predictor.ce-critical", 1);
        if (ceCritical <= ceWarning) {
            r.problems.add("predictor.ce-critical (" + ceCritical + ") must be greater than predictor.ce-warning ("
                    + ceWarning + ")");
            ceCritical = ceWarning + 1;
        }
        double margin = r.get("predictor.temp-margin", () -> r.c.getDouble("predictor.temp-margin"), 5.0);
        if (!(margin >= 0) || Double.isInfinite(margin)) {
            r.problems.add("predictor.temp-margin must be a number of °C >= 0, got " + margin);
            margin = 5.0;
        }
        double slope = r.get("predictor.temp-slope", () -> r.c.getDouble("predictor.temp-slope"), 5.0);
        if (!(slope > 0) || Double.isInfinite(slope)) {
            r.problems.add("predictor.temp-slope must be a number of °C per minute > 0, got " + slope);
            slope = 5.0;
        }
        return PredictorConfig.builder()
                .ceWindow(r.positive("predictor.ce-window")).ceWarning(ceWarning).ceCritical(ceCritical)
                .aerWindow(r.positive("predictor.aer-window"))
                .aerCorrectableWarning(r.longAtLeast("predictor.aer-correctable-warning", 1))
                .tempMarginC(margin).tempSlopeWindow(r.positive("predictor.temp-slope-window")).tempSlopeCPerMin(slope)
                .nicWindow(r.positive("predictor.nic-window"))
                .nicErrorWarning(r.longAtLeast("predictor.nic-error-warning", 1))
                .flapWindow(r.positive("predictor.flap-window")).flapWarning(r.longAtLeast("predictor.flap-warning", 1))
                .logWindow(r.positive("predictor.log-window"))
                .logCorrectedWarning(r.longAtLeast("predictor.log-corrected-warning", 1))
                .realert(r.positive("predictor.realert")).build();
    }

    private static PolicyConfig policy(SyncSettings.Reader r) {
        try {
            return PolicyConfig.fromMap(r.c.getConfig("policy").root().unwrapped());
        } catch (ConfigException e) {
            r.problems.add("policy must be an object: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            r.problems.add(e.getMessage());
        }
        return PolicyConfig.defaults();
    }

    private static ProactiveSettings.Migration migration(SyncSettings.Reader r) {
        List<String> commit = command(r, "migration.commit-command");
        List<String> demote = command(r, "migration.demote-command");
        Duration timeout = r.positive("migration.command-timeout");
        StateMigrator.Config m = new StateMigrator.Config(r.positive("migration.ack-timeout"),
                r.positive("migration.poll-interval"));
        String socket = r.string("migration.commit-socket").trim();
        if (!socket.isEmpty() && !commit.isEmpty()) {
            r.problems.add("migration.commit-socket: set either it or migration.commit-command, not both");
        }
        return new ProactiveSettings.Migration(commit, demote, timeout, m, socket);
    }

    private static List<String> command(SyncSettings.Reader r, String key) {
        List<String> cmd = r.get(key, () -> r.c.getStringList(key), List.<String>of());
        if (!cmd.isEmpty() && cmd.getFirst().isBlank()) {
            r.problems.add(key + " must start with the program to run (a list such as [\"hftfw\", \"commit\"]), got "
                    + cmd);
            return List.of();
        }
        return List.copyOf(cmd);
    }
}
