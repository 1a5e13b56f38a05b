package org.hftfw.sidecar.models;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.time.Instant;
import java.util.Locale;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.ModelFile;
import org.hftfw.models.Training;
import org.hftfw.models.logs.FlowLogs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hftfw train}: a model file from recorded flow logs. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Builds a lazy-replication model file from flow logs.",
            "The model: knowledge-base tuples, naive Bayes fallback, latency-scaled lifetimes. Flow logs:",
            "conntrack -E -o timestamp,id text (also hftfw conntrack watch and hftfw lab record output) or",
            "ulogd2 NFCT JSON, plain or gzipped. Malformed lines are counted and skipped."})
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--latency", defaultValue = "100ms",
            description = "network latency l; states living < B = 2·l are transitional (default: ${DEFAULT-VALUE})")
    String latency;
    @Option(names = "--out", defaultValue = "model.hfm", description = "model file to write (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--no-keys", description = {"leave out the knowledge-base tuples (per host/port counters): for a "
        + "model meant for another network"})
    boolean noKeys;
    @Option(names = "--prior-strength", paramLabel = "K", description = {"with --no-keys the model is written as a "
        + "prior for other networks that counts as at most K observations per state and histogram, so a site's own "
        + "observations take over ('inf': full weight) (default: 5)"})
    String priorStrength;
    @Option(names = "--note", paramLabel = "TEXT", description = "added to the provenance recorded in the model file")
    String note;
    @Parameters(arity = "1..*", paramLabel = "LOG", description = "flow logs (.gz accepted)")
    List<Path> logs;

    @Override
    public Integer call() {
        try {
            Logs.checkReadable(logs);
            if (priorStrength != null && !noKeys) {
                throw new Logs.CliError("--prior-strength needs --no-keys (a model with this network's tuples is "
                        + "its own evidence, not a prior)");
            }
            double k = noKeys ? Logs.priorStrength(priorStrength, LearnedModel.DEFAULT_PRIOR_STRENGTH) : 0;
            Training.Result r = Training.train(logs, Logs.latency(latency), !noKeys, new CliProgress(System.err));
            StringBuilder prov = new StringBuilder(String.format(Locale.ROOT, "hftfw train --latency %s%s on %d "
                    + "log(s), %d events, at %s:", latency, noKeys ? " --no-keys" : "", r.logs().size(), r.events(),
                    Instant.now()));
            for (FlowLogs.Loaded l : r.logs()) {
                Logs.report(l, System.err);
                prov.append("\n").append(TrainingOverlap.provenanceLine(l.path(), l.report().events()));
            }
            if (note != null) {
                prov.append("\n").append(note);
            }
            LearnedModel m = r.model().withProvenance(prov.toString());
            ModelFile.save(noKeys ? m.asPrior(k) : m, out);
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
