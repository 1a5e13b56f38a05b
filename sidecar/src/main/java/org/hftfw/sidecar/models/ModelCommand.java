package org.hftfw.sidecar.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.ModelFile;
import org.hftfw.lazy.ModelFileException;
import org.hftfw.models.DefaultModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hftfw model inspect FILE}, {@code hftfw model convert IN OUT}. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Model files of the lazy replicator.",
        subcommands = {ModelCommand.Inspect.class, ModelCommand.Convert.class})
public final class ModelCommand {

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = {"Prints what a model file contains.",
                "Header, knowledge-base size, per-state statistics, busiest tuples. 'default' inspects the model",
                "shipped with hFT-FW. A corrupt or incompatible file is refused with the reason."})
    static final class Inspect implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "model file, or 'default'")
        String file;

        @Override
        public Integer call() {
            try {
                if (file.equals("default") && !Files.exists(Path.of(file))) {
                    System.out.print(ModelFile.inspect(DefaultModel.bytes(), "default (" + DefaultModel.RESOURCE
                            + ")"));
                } else {
                    Path p = Path.of(file);
                    if (!Files.isRegularFile(p)) {
                        return Logs.fail(System.err, file + ": no such file");
                    }
                    System.out.print(ModelFile.inspect(p));
                }
                return 0;
            } catch (ModelFileException e) {
                return Logs.fail(System.err, "refused: " + e.getMessage());
            } catch (IOException e) {
                return Logs.fail(System.err, file + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = {"Rewrites a model file in the current format.",
                "Any format this build reads (e.g. format 3), optionally as a prior for other networks",
                "(--prior-strength: its counts then act as at most K observations per state and histogram, and its",
                "knowledge-base tuples are dropped) and with a provenance note (what it was trained on)."})
    static final class Convert implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IN", description = "model file to read")
        Path in;
        @Parameters(index = "1", paramLabel = "OUT", description = "model file to write")
        Path out;
        @Option(names = "--prior-strength", paramLabel = "K", description = "make it a prior of strength K (or 'inf')")
        String priorStrength;
        @Option(names = "--provenance", paramLabel = "TEXT", description = "replace the recorded provenance")
        String provenance;

        @Override
        public Integer call() {
            try {
                if (!Files.isRegularFile(in)) {
                    return Logs.fail(System.err, in + ": no such file");
                }
                LearnedModel m = ModelFile.load(in);
                if (priorStrength != null) {
                    double k = Logs.priorStrength(priorStrength, LearnedModel.DEFAULT_PRIOR_STRENGTH);
                    m = m.hasPrior() && m.fallbackObservations() == 0 && m.latencyObservations() == 0
                            ? m.withPriorStrength(k) : m.asPrior(k);
                }
                if (provenance != null) {
                    m = m.withProvenance(provenance);
                }
                ModelFile.save(m, out);
                System.out.println("wrote " + out + ": " + m);
                return 0;
            } catch (Logs.CliError e) {
                return Logs.fail(System.err, e.getMessage());
            } catch (ModelFileException e) {
                return Logs.fail(System.err, "refused: " + e.getMessage());
            } catch (IOException e) {
                return Logs.fail(System.err, e.getMessage());
            }
        }
    }
}
