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
            LazyReplicator[] r = new LazyReplicator[1];
            LearnedModel start = model;
            long[] last = {Long.MIN_VALUE};
            FlowLogs.Loaded l = FlowLogs.scan(p, progress, (ConntrackEvent e) -> {
                if (r[0] == null) {
                    long t0 = e.monotonicNanos();
                    r[0] = new LazyReplicator(config, (ev, at) -> { }, () -> t0, start);
                }
                // a log's lines are in arrival order; an event stamped earlier than the previous one is fed at the
                // previous time (the replicator's clock never goes back)
                if (e.monotonicNanos() < last[0]) {
                    e = new ConntrackEvent(e.type(), e.entry(), last[0], e.epochMicros());
                }
                last[0] = e.monotonicNanos();
                r[0].onEvent(e);
            });
            read.add(l);
            events += l.report().events();
            if (r[0] != null) {
                r[0].advanceTo(last[0]);
                model = r[0].snapshot();
            }
        }
        return new Result(keepKeys ? model : model.withoutKeys(), read, events);
    }
}
