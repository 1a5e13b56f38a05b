package org.hftfw.sidecar.models;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether {@code hftfw evaluate} scores a model on a log it was trained on: such figures are not held out, and look
 * better than the model will do on new traffic. {@code hftfw train} records each training log in the model's
 * provenance as {@code PATH (N events, sha256 HEX)}; a log to evaluate overlaps when its SHA-256 is recorded (the
 * same content under any name), or, for models trained before the digest was recorded, when a recorded path has
 * its file name. Overlap within a file (one log cut from another) is not detected.
 */
final class TrainingOverlap {
    /** A training log's line in the provenance: its path, its event count, and since then its digest. */
    private static final Pattern LOG_LINE = Pattern.compile("^(\\S+) \\(\\d+ events(?:, sha256 ([0-9a-f]{64}))?\\)$",
            Pattern.MULTILINE);

    private TrainingOverlap() {}

    /** The SHA-256 of the file's bytes, in hex. */
    static String sha256(Path log) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(log)) {
            byte[] buf = new byte[1 << 16];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The provenance line {@code hftfw train} writes for one training log. */
    static String provenanceLine(Path log, long events) throws IOException {
        return log + " (" + events + " events, sha256 " + sha256(log) + ")";
    }

    /** One warning per log of {@code logs} that the provenance says the model was trained on. */
    static List<String> warnings(String provenance, List<Path> logs) throws IOException {
        List<String> digests = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Matcher m = LOG_LINE.matcher(provenance);
        while (m.find()) {
            Path trained = Path.of(m.group(1)).getFileName();
            names.add(trained == null ? m.group(1) : trained.toString());
            if (m.group(2) != null) {
                digests.add(m.group(2));
            }
        }
        List<String> out = new ArrayList<>();
        if (names.isEmpty()) {
            return out;
        }
        for (Path log : logs) {
            if (digests.contains(sha256(log))) {
                out.add("the model was trained on " + log + " (same content): its figures on it are not held out");
            } else if (log.getFileName() != null && names.contains(log.getFileName().toString())) {
                out.add("the model was trained on a log named " + log.getFileName() + ": if it is this one, its "
                        + "figures on it are not held out");
            }
        }
        return out;
    }
}
