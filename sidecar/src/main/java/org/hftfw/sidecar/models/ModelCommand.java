package org.hftfw.sidecar.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.hftfw.lazy.ModelFile;
import org.hftfw.lazy.ModelFileException;
import org.hftfw.models.DefaultModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code hftfw model inspect FILE}. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Model files of the lazy replicator.",
        subcommands = ModelCommand.Inspect.class)
public final class ModelCommand {

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = {"Prints what a model file contains: header, knowledge-base size, per-state statistics,",
                "busiest tuples. 'default' inspects the model shipped with hFT-FW. A corrupt or incompatible file",
                "is refused with the reason."})
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
}
