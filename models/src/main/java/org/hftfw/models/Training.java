package org.hftfw.models;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LazyReplicator;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.models.logs.FlowLogs;

/**
 * Offline training behind {@code hftfw train}: runs the lazy replicator with learning on over recorded flow logs
 * and keeps what it learned (knowledge-base tuples, naive Bayes fallback counts, latency-scaled lifetime
 * histograms). Logs are streamed one after the other; each log gets a fresh replicator started from the knowledge
 * so far, so that time never runs backwards across logs and flows of one log never meet flows of another. States
 * still under B old at the end of a log are not learned (their label is unknown, as in the metrics definitions).
 */
public final class Training {
    /** What was trained, and from what. */
    public record Result(LearnedModel model, List<FlowLogs.Loaded> logs, long events) {}

    private Training() {}

    /**
     * Trains a model on the given logs.
     *
     * @param latency  the network latency l (B = 2·l)
     * @param keepKeys keep the knowledge-base tuples (per-host counters) in the model; false keeps only what carries
     *                 over to other networks (fallback and latency-scaled model)
     */
    public static Result train(List<Path> logs, Duration latency, boolean keepKeys, FlowLogs.Progress progress)
            throws IOException {
        LazyConfig config = LazyConfig.defaults().withLatency(latency).withKeyIdleExpiry(Duration.ofDays(30))
                .validated();
        LearnedModel model = LearnedModel.empty();
        List<FlowLogs.Loaded> read = new ArrayList<>();
        long events = 0;
        for (Path p : logs) {
            Trainer t = new Trainer(config, model);
            FlowLogs.Loaded l = FlowLogs.scan(p, progress, t::onEvent);
            read.add(l);
            events += l.report().events();
            model = t.finish();
        }
        return new Result(keepKeys ? model : model.withoutKeys(), read, events);
    }

    /**
     * Trains on logs already in memory (the mix lab), the same way as {@link #train}: one replicator per log, each
     * starting from the knowledge so far; without knowledge-base tuples.
     */
    public static LearnedModel trainEvents(List<List<ConntrackEvent>> logs, Duration latency) {
        LazyConfig config = LazyConfig.defaults().withLatency(latency).withKeyIdleExpiry(Duration.ofDays(30))
                .validated();
        LearnedModel model = LearnedModel.empty();
        for (List<ConntrackEvent> log : logs) {
            Trainer t = new Trainer(config, model);
            log.forEach(t::onEvent);
            model = t.finish();
        }
        return model.withoutKeys();
    }

    /** One log's pass: a replicator started from the knowledge so far, fed in arrival order. */
    private static final class Trainer {
        private final LazyConfig config;
        private final LearnedModel start;
        private LazyReplicator replicator;
        private long last = Long.MIN_VALUE;

        Trainer(LazyConfig config, LearnedModel start) {
            this.config = config;
            this.start = start;
        }

        void onEvent(ConntrackEvent event) {
            ConntrackEvent e = event;
            if (replicator == null) {
                long t0 = e.monotonicNanos();
                replicator = new LazyReplicator(config, (ev, at) -> { }, () -> t0, start);
            }
            // a log's lines are in arrival order; an event stamped earlier than the previous one is fed at the
            // previous time (the replicator's clock never goes back)
            if (e.monotonicNanos() < last) {
                e = new ConntrackEvent(e.type(), e.entry(), last, e.epochMicros());
            }
            last = e.monotonicNanos();
            replicator.onEvent(e);
        }

        LearnedModel finish() {
            if (replicator == null) {
                return start;
            }
            replicator.advanceTo(last);
            return replicator.snapshot();
        }
    }
}
