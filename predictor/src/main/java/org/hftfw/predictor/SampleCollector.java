package org.hftfw.predictor;

import org.hftfw.common.SafeFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * Reads sysfs/procfs attribute files for one sample and keeps the problems it met. Each file is read on its own:
 * an unreadable attribute (ENODATA from a disabled hwmon sensor, EINVAL from {@code carrier} of a down link) or a
 * value that does not parse is recorded as a problem and the rest of the sample goes on; the sample then reports
 * {@link Availability.Degraded} naming the files.
 */
final class SampleCollector {

    private static final int MAX_PROBLEMS_SHOWN = 3;

    private final String source;
    private final List<Reading> readings = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    SampleCollector(String source) {
        this.source = source;
    }

    /** Adds a reading, or a problem when the value is outside what the hardware can physically report. */
    void add(Metric metric, String component, double value, String label) {
        String impossible = PhysicalRange.check(metric, value);
        if (impossible != null) {
            problem(component + " " + metric.name() + " = " + value + ": " + impossible);
            return;
        }
        readings.add(new Reading(metric, component, value, label));
    }

    void add(Metric metric, String component, double value) {
        add(metric, component, value, "");
    }

    void problem(String message) {
        problems.add(message);
    }

    List<String> problems() {
        return problems;
    }

    /**
     * The most an attribute file is read: sysfs attributes are at most a page, /proc/interrupts of a large machine a
     * few hundred KiB. A bigger file, a device or a FIFO where an attribute should be is a problem, never a hang or
     * an exhausted heap.
     */
    static final int MAX_ATTRIBUTE_BYTES = 1 << 20;

    /** Trimmed text of an attribute; empty when the file does not exist; a problem when it cannot be read. */
    Optional<String> text(Path file) {
        return text(file, MAX_ATTRIBUTE_BYTES);
    }

    /** {@link #text(Path)} with another bound (a log file). */
    Optional<String> text(Path file, int maxBytes) {
        try {
            return Optional.of(new String(SafeFiles.read(file, maxBytes), StandardCharsets.UTF_8).strip());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            problem(file.getFileName() + " unreadable (" + describe(e) + ")");
            return Optional.empty();
        }
    }

    /** A decimal integer attribute (unsigned 64-bit allowed) as a double; a problem when garbled. */
    OptionalDouble number(Path file) {
        Optional<String> t = text(file);
        if (t.isEmpty()) {
            return OptionalDouble.empty();
        }
        OptionalDouble v = parseNumber(t.get());
        if (v.isEmpty()) {
            problem(relative(file) + ": not a number: '" + abbreviate(t.get()) + "'");
        }
        return v;
    }

    /** Reads a counter attribute and adds it, if present. */
    boolean counter(Metric metric, String component, Path file, String label) {
        OptionalDouble v = number(file);
        v.ifPresent(x -> add(metric, component, x, label));
        return v.isPresent();
    }

    SourceSample build(long nowNanos) {
        Availability availability = problems.isEmpty() ? Availability.AVAILABLE
                : Availability.degraded(summarize(problems));
        return new SourceSample(source, nowNanos, availability, readings);
    }

    static String summarize(List<String> problems) {
        String shown = String.join("; ", problems.subList(0, Math.min(problems.size(), MAX_PROBLEMS_SHOWN)));
        return problems.size() > MAX_PROBLEMS_SHOWN ? shown + "; +" + (problems.size() - MAX_PROBLEMS_SHOWN) + " more"
                : shown;
    }

    static OptionalDouble parseNumber(String text) {
        String s = text.strip();
        if (s.isEmpty()) {
            return OptionalDouble.empty();
        }
        try {
            if (s.startsWith("-")) {
                return OptionalDouble.of((double) Long.parseLong(s));
            }
            return OptionalDouble.of(unsignedToDouble(Long.parseUnsignedLong(s)));
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }

    private static double unsignedToDouble(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    static String abbreviate(String s) {
        String oneLine = s.replace('\n', ' ');
        return oneLine.length() > 40 ? oneLine.substring(0, 40) + "…" : oneLine;
    }

    private static String relative(Path file) {
        Path parent = file.getParent();
        return parent == null ? file.toString() : parent.getFileName() + "/" + file.getFileName();
    }

    /** Sorted entries of {@code dir} whose name matches; empty when the directory is absent. */
    static List<Path> list(Path dir, Pattern name) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (name.matcher(p.getFileName().toString()).matches()) {
                    out.add(p);
                }
            }
        }
        out.sort(SampleCollector::naturalOrder);
        return out;
    }

    /** Orders {@code mc2} before {@code mc10}. */
    static int naturalOrder(Path a, Path b) {
        String x = a.getFileName().toString();
        String y = b.getFileName().toString();
        String px = x.replaceAll("\\d+$", "");
        String py = y.replaceAll("\\d+$", "");
        int c = px.compareTo(py);
        if (c != 0 || px.length() == x.length() || py.length() == y.length()) {
            return c != 0 ? c : x.compareTo(y);
        }
        String nx = x.substring(px.length());
        String ny = y.substring(py.length());
        return nx.length() != ny.length() ? Integer.compare(nx.length(), ny.length()) : nx.compareTo(ny);
    }
}
