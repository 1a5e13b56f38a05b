package org.hftfw.conntrack.log;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The real captures under src/test/resources/logs (see the README.md there). */
final class Captures {
    static final List<String> EVENT_LOGS = List.of("events-timestamp.log", "events-timestamp-id.log",
            "events-extended-timestamp-id.log", "events-extended.log", "events-id.log", "events-timestamp-ktimestamp-id.log");

    private Captures() {}

    static Path path(String name) {
        URL url = Captures.class.getResource("/logs/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test resource logs/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> lines(String name) {
        try {
            return Files.readAllLines(path(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code grep -c 'TEXT' file} prints. */
    static long grepCount(String name, String text) {
        return lines(name).stream().filter(l -> l.contains(text)).count();
    }

    static InputStream stream(String name) throws IOException {
        return Files.newInputStream(path(name));
    }

    static String text(String name) {
        return String.join("\n", lines(name)) + "\n";
    }

    static byte[] bytes(String name) {
        return text(name).getBytes(StandardCharsets.UTF_8);
    }
}
