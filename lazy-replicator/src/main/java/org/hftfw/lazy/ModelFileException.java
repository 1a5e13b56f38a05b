package org.hftfw.lazy;

import java.io.IOException;

/**
 * A model file was refused. The caller should fall back to "replicate everything" (start from
 * {@link LearnedModel#empty()}) and report {@link #getMessage()}.
 */
public final class ModelFileException extends IOException {
    /** Why the file was refused. */
    public enum Reason {
        /** Does not start with the hFT-FW model magic. */
        NOT_A_MODEL,
        /** A format version this build cannot read. */
        UNSUPPORTED_VERSION,
        /** Shorter than its header says (e.g. an interrupted copy). */
        TRUNCATED,
        /** The checksum does not match: the content was altered. */
        CORRUPT,
        /** Written with a different feature or state layout. */
        INCOMPATIBLE,
        /** Structurally invalid although the checksum matched. */
        MALFORMED,
        /** Larger than this process can decode without running out of heap ({@code ModelFile.maxBytes}). */
        TOO_LARGE
    }

    private final Reason reason;

    public ModelFileException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
