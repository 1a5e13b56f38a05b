package org.hftfw.sidecar.models;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.hftfw.lazy.ModelFile;
import org.hftfw.models.Training;
import org.hftfw.models.logs.FlowLogs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hftfw train}: a model file from recorded flow logs. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Builds a model file (knowledge-base tuples, naive Bayes fallback, latency-scaled lifetimes)",
            "from flow logs: conntrack -E -o timestamp,id text (also hftfw conntrack watch and hftfw lab record",
            "output) or ulogd2 NFCT JSON, plain or gzipped. Malformed lines are counted and skipped."})
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--latency", defaultValue = "100ms",
            description = "network latency l; states living < B = 2·l are transitional (default: ${DEFAULT-VALUE})")
    String latency;
    @Option(names = "--out", defaultValue = "model.hfm", description = "model file to write (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--no-keys", description = {"leave out the knowledge-base tuples (per host/port counters): for a "
        + "model meant for another network"})
    boolean noKeys;
    @Parameters(arity = "1..*", paramLabel = "LOG", description = "flow logs (.gz accepted)")
    List<Path> logs;

    @Override
    public Integer call() {
        try {
            Logs.checkReadable(logs);
            Training.Result r = Training.train(logs, Logs.latency(latency), !noKeys, new CliProgress(System.err));
            for (FlowLogs.Loaded l : r.logs()) {
                Logs.report(l, System.err);
            }
            ModelFile.save(r.model(), out);
            System.out.printf("trained on %d events from %d log(s): %s%nwrote %s%n", r.events(), r.logs().size(),
                    r.model(), out);
            return 0;
        } catch (Logs.CliError e) {
            return Logs.fail(System.err, e.getMessage());
        } catch (IOException e) {
            return Logs.fail(System.err, e.getMessage());
        }
    }
}
