package org.hftfw.sync;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.ModelFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lazy replicator's model file: the knowledge to start from, and where what was learned is saved on exit. A
 * missing or bad file never stops the node: it is logged and the replicator starts empty (it replicates every change
 * until it has learned). The outcome of the last load is kept as a one-line status for {@code hftfw sync stats}.
 */
final class ModelStore {
    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    private volatile String status = "none";

    /** The model in {@code file} (null: none), or an empty one when the file is missing or unusable. */
    LearnedModel load(Path file) {
        if (file == null) {
            status = "none";
            return LearnedModel.empty();
        }
        return load(file, "starting with no knowledge, every change is replicated until the replicator has learned")
                .orElseGet(LearnedModel::empty);
    }

    /**
     * The model in {@code file} for a reload of a running replicator: empty when the file is missing or unusable
     * (too large for the heap included), and the caller keeps the model it runs with, so a bad file copied in never
     * costs the knowledge learned so far.
     */
    Optional<LearnedModel> reload(Path file) {
        return load(file, "keeping the model in use");
    }

    private Optional<LearnedModel> load(Path file, String instead) {
        try {
            LearnedModel m = ModelFile.load(file);
            status = "loaded " + file + " (" + m.keyCount() + " tuples)";
            LOG.info("lazy replicator model: {}", status);
            return Optional.of(m);
        } catch (NoSuchFileException e) {
            status = "missing " + file + " (" + instead + ")";
            LOG.warn("lazy.model-file {} does not exist: {}", file, instead);
        } catch (IOException | RuntimeException e) {
            status = "rejected " + file + ": " + e.getMessage() + " (" + instead + ")";
            LOG.error("lazy.model-file {} is not usable ({}): {}", file, e.getMessage(), instead);
        }
        return Optional.empty();
    }

    /** Saves {@code model} to {@code file}; a failure is logged, not thrown (the node is shutting down). */
    void save(LearnedModel model, Path file) {
        try {
            ModelFile.save(model, file);
            LOG.info("saved the lazy replicator's knowledge ({} tuples) to {}", model.keyCount(), file);
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot save lazy.model-file {}: {}", file, e.getMessage());
        }
    }

    /** How the last load went: {@code none}, {@code loaded …}, {@code missing …} or {@code rejected …}. */
    String status() {
        return status;
    }
}
