package org.hftfw.models;

import java.io.IOException;
import java.io.InputStream;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.ModelFile;

/**
 * The model shipped in this jar ({@code org/hftfw/models/default.hfm}): trained on real traces recorded with the
 * trace lab, without knowledge-base tuples (those describe the lab's hosts), so only what carries over to another
 * network — the naive Bayes fallback and the latency-scaled lifetime model. How it was made: docs/evaluation.md.
 */
public final class DefaultModel {
    public static final String RESOURCE = "/org/hftfw/models/default.hfm";

    private DefaultModel() {}

    /** The raw file. */
    public static byte[] bytes() throws IOException {
        try (InputStream in = DefaultModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the default model " + RESOURCE + " is missing from the class path");
            }
            return in.readAllBytes();
        }
    }

    public static LearnedModel load() throws IOException {
        return ModelFile.read(bytes(), "default model " + RESOURCE);
    }
}
