package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.predictor.FakeSysfs;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring files shipped in dist/monitoring against a running daemon: its /metrics output passes
 * {@code promtool check metrics} (Prometheus' own naming and format lint), the alert rules pass
 * {@code promtool check rules}, and every hftfw metric the rules and the Grafana dashboard query is one the daemon
 * exports (a renamed metric would otherwise leave a panel empty and an alert silent for ever).
 */
@Tag("lab")
class MonitoringLabTest {
    private static final Path MONITORING = Path.of("..", "dist", "monitoring");
    private static final Pattern METRIC = Pattern.compile("\\bhftfw_[a-z0-9_]+");

    @TempDir
    Path dir;

    // assumptions per test, not in @BeforeAll: surefire drops a class aborted there from the counts (SUREFIRE-2300)
    @BeforeEach
    void capable() {
        LabAssumptions.assumeAvailable();
        LabAssumptions.assumeBinary("promtool");
    }

    @Test
    void metricsPassPromtoolAndEveryMetricTheRulesAndDashboardUseIsExported() throws Exception {
        String exposition;
        List<AutoCloseable> daemons = new ArrayList<>();
        try (NetnsLab lab = new NetnsLab("hmo")) {
            NetnsLab.Netns a = lab.netns("a");
            NetnsLab.Netns b = lab.netns("b");
            lab.veth(a, "sync", b, "sync");
            a.addr("sync", "10.237.0.1/24");
            b.addr("sync", "10.237.0.2/24");
            Path tree = dir.resolve("tree");
            FakeSysfs.create(tree).edacController(0, 2).aerDevice("0000:00:01.0", true).hwmonChip(0, "coretemp")
                    .hwmonTemp(0, 1, 45, 85, 100, "Package id 0").thermalZone(0, "x86_pkg_temp", 45, 85, 100)
                    .nic("eth0").procInterrupts(0, 0, 0).roots();
            // every family appears: both roles, the lazy replicator and the proactive path
            Path conf = SyncLab.writeHftfwConf(dir, "mon", "10.237.0.1", "10.237.0.2", """
                    lazy.enabled = true
                    predictor { enabled = true, fake-tree = "%s" }
                    """.formatted(tree));
            try {
                SyncDaemon d = SyncLab.startDaemon(a, SyncNode.Role.BOTH, conf, daemons);
                exposition = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + d.metricsAddress().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                        .body();
            } finally {
                for (int i = daemons.size() - 1; i >= 0; i--) {
                    daemons.get(i).close();
                }
            }
        }
        Path scraped = dir.resolve("metrics.txt");
        Files.writeString(scraped, exposition);
        Result lint = promtool(scraped, "check", "metrics");
        assertEquals(0, lint.exit(), lint.out());
        assertEquals("", lint.out().strip(), "promtool's lint findings");

        Path rules = MONITORING.resolve("hftfw-alerts.yml");
        Result check = promtool(null, "check", "rules", rules.toString());
        assertEquals(0, check.exit(), check.out());
        assertTrue(check.out().contains("SUCCESS"), check.out());

        Set<String> exported = new TreeSet<>();
        for (String line : exposition.split("\n", -1)) {
            if (line.startsWith("# TYPE ")) {
                exported.add(line.split(" ", -1)[2]);
            }
        }
        String dashboard = Files.readString(MONITORING.resolve("grafana-hftfw.json"));
        // the dashboard is JSON a Grafana import accepts: parse it strictly
        assertTrue(ConfigFactory.parseString(dashboard, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON))
                .getList("panels").size() >= 10);
        Set<String> used = new TreeSet<>();
        for (String text : List.of(Files.readString(rules), dashboard)) {
            Matcher m = METRIC.matcher(text);
            while (m.find()) {
                used.add(m.group());
            }
        }
        used.removeAll(exported);
        assertEquals(Set.of(), used, "queried but not exported (exported: " + exported + ")");
    }

    private record Result(int exit, String out) {}

    private static Result promtool(Path stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("promtool"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        }
        Path out = Files.createTempFile("hftfw-promtool", ".out");
        try {
            Process p = pb.redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("promtool still running after 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.delete(out);
        }
    }
}
