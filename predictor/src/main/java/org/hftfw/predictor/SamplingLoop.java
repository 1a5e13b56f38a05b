package org.hftfw.predictor;

import org.hftfw.common.Scheduler;
import org.hftfw.common.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples every source once per period, feeds the predictor and hands the round's alerts to a listener. Time comes
 * from the injected {@link Clock}; the period from the injected {@link Scheduler}. A source that throws is caught
 * and reported as degraded for that round; the others keep working.
 */
public final class SamplingLoop implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SamplingLoop.class);

    private final List<FaultSource> sources;
    private final Predictor predictor;
    private final Clock clock;
    private final AlertListener listener;
    private final Map<String, SourceSample> latest = new ConcurrentHashMap<>();
    private Scheduler.Cancellable scheduled;

    public SamplingLoop(List<FaultSource> sources, Predictor predictor, Clock clock, AlertListener listener) {
        this.sources = List.copyOf(sources);
        this.predictor = predictor;
        this.clock = clock;
        this.listener = listener;
    }

    /** Starts background readers and logs each source's availability. */
    public void startSources() {
        long now = clock.nanos();
        for (FaultSource s : sources) {
            s.start();
            SourceSample first = safeSample(s, now);
            LOG.info("fault source {}: {}", s.name(), first.availability().label());
        }
    }

    /** One round: sample all sources, predict, notify. Returns the alerts raised. */
    public synchronized List<Alert> sampleOnce() {
        long now = clock.nanos();
        List<Alert> alerts = new ArrayList<>();
        for (FaultSource s : sources) {
            SourceSample sample = safeSample(s, now);
            latest.put(s.name(), sample);
            alerts.addAll(predictor.observe(sample));
        }
        listener.onAlerts(now, alerts);
        return alerts;
    }

    private static SourceSample safeSample(FaultSource s, long now) {
        try {
            return s.sample(now);
        } catch (RuntimeException e) {
            LOG.warn("fault source {} failed", s.name(), e);
            return new SourceSample(s.name(), now, Availability.degraded("reader failed: " + e), List.of());
        }
    }

    /** Last sample per source name. */
    public Map<String, SourceSample> latest() {
        return Map.copyOf(latest);
    }

    public void start(Scheduler scheduler, Duration period) {
        startSources();
        scheduled = scheduler.every(period, () -> {
            try {
                sampleOnce();
            } catch (RuntimeException e) {
                LOG.error("sampling round failed", e);
            }
        });
    }

    @Override
    public void close() {
        if (scheduled != null) {
            scheduled.cancel();
        }
        for (FaultSource s : sources) {
            s.close();
        }
    }
}
