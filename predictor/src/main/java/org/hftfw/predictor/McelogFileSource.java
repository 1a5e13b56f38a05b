package org.hftfw.predictor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The output file of the legacy {@code mcelog} daemon, {@code <var>/log/mcelog}. Each decoded machine check has one
 * {@code STATUS <hex> MCGSTATUS <hex>} line (mcelog.c); the IA32_MCi_STATUS bits give its class: bit 61 UC
 * (uncorrected), otherwise corrected; a record mentioning {@code THERMAL EVENT} is a throttling report.
 * The file is re-read each sample and counted whole; a shrinking count (log rotation) is a counter reset.
 */
final class McelogFileSource implements FaultSource {

    static final String NAME = "mcelog";
    private static final Pattern STATUS = Pattern.compile("^\\s*STATUS\\s+(?:0x)?([0-9a-fA-F]{1,16})\\s+MCGSTATUS",
            Pattern.MULTILINE);
    private static final long UC = 1L << 61;
    private static final int MAX_BYTES = 16 << 20;

    private final Path file;

    McelogFileSource(SourceRoots roots) {
        this.file = roots.var().resolve("log/mcelog");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SourceSample sample(long nowNanos) {
        if (!Files.exists(file)) {
            return SourceSample.unavailable(NAME, nowNanos, file + " does not exist (mcelog daemon not installed; "
                    + "current kernels report machine checks through rasdaemon)");
        }
        SampleCollector c = new SampleCollector(NAME);
        Optional<String> text = c.text(file, MAX_BYTES);
        text.ifPresent(t -> count(t).forEach((k, v) -> c.add(Metric.LOG_EVENTS, k.name(), v)));
        return c.build(nowNanos);
    }

    static Map<LogEventClass, Long> count(String text) {
        Map<LogEventClass, Long> out = new EnumMap<>(LogEventClass.class);
        out.put(LogEventClass.MCE_CORRECTED, 0L);
        out.put(LogEventClass.MCE_UNCORRECTED, 0L);
        out.put(LogEventClass.THERMAL_THROTTLE, 0L);
        Matcher m = STATUS.matcher(text);
        int recordStart = 0;
        while (m.find()) {
            String record = text.substring(recordStart, m.start());
            recordStart = m.end();
            long status = Long.parseUnsignedLong(m.group(1), 16);
            LogEventClass k = record.contains("THERMAL EVENT") ? LogEventClass.THERMAL_THROTTLE
                    : (status & UC) != 0 ? LogEventClass.MCE_UNCORRECTED : LogEventClass.MCE_CORRECTED;
            out.merge(k, 1L, Long::sum);
        }
        return out;
    }
}
