package org.hftfw.lazy;

import org.hftfw.common.Clock;
import org.hftfw.conntrack.FlowId;
import org.hftfw.common.InvalidConfigException;

import java.util.List;
import java.util.Objects;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.EventView;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bayes-based lazy replication (hFT-FW paper, Sect. VI "Reactive: Bayes-based lazy replication"; state
 * classification from Sect. III, Definition 12): replicate a flow's state change only when it is likely to be
 * stable.
 *
 * <p><b>Learning.</b> For every live flow the replicator remembers the current state and when it began. When the
 * state is superseded (next event, DESTROY, or a NEW on the same tuple) its lifetime is known: lifetime &lt; B = 2·l
 * ⇒ transitional (TS), else stable (SS). A state still alive at B is labelled SS right then, without waiting for its
 * end: every state change enters a FIFO deadline queue (one deadline, start + B, so FIFO order is deadline order),
 * swept before each event and on {@link #tick()}. Each label updates the tuple's counters for that state,
 * P(TS | state, Qr) = v/t, in the knowledge base keyed on Qr = [src, dst, l4proto, dport] ({@link KnowledgeBase}),
 * and the naive Bayes fallback ({@link FallbackModel}).
 *
 * <p><b>Classification</b> of a new state change, the most specific source first:
 * <ol>
 *   <li>when the flow's RTT is known (its own handshake, or its source address's last one, {@link HostLatency}):
 *       the latency-scaled lifetime model ({@link LatencyScaledModel}) if it has at least {@code minObservations}
 *       observations of the (state, port class, previous lifetime ÷ RTT bucket), or of the (state, port class) over
 *       all buckets. It conditions on this flow's RTT and pace, which the tuple's counters only average over (with
 *       per-client RTTs of 20–500 ms a tuple's CLOSE_WAIT is stable after an instant FIN_WAIT and transitional after
 *       a long one). The tuple's own counters keep a veto: when the state has {@code minObservations} observations
 *       for the tuple and was stable in at least half of them, P(SS) is raised to ½ (a server that behaves unlike
 *       its port class);</li>
 *   <li>else P(SS) = 1 − v/t from the tuple's own counters when that state has {@code minObservations}
 *       observations (the paper's classifier);</li>
 *   <li>else the naive Bayes fallback when it has that many observations of the state (over all tuples);</li>
 *   <li>else nothing is known and the change is replicated (safe).</li>
 * </ol>
 * (Measured on held-out recordings, docs/evaluation.md: with the tuple counters first, tuples with 5 observations
 * held back stable HTTP ESTABLISHED states and sent transitional CLOSE_WAITs.)
 * A prior-blended latency-scaled model and the naive Bayes fallback are checked against this site's labels per
 * (state, port class) ({@link CalibrationGuard}): on probation they hold one change per B there, and where their
 * held changes turn out stable too often they are withdrawn (the prior) or no longer asked (the fallback).
 * P(SS) ≤ barrier ⇒ TS (the paper's rule: "Naive Bayes must return ≤ barrier to classify sk as TS"), so barrier 0
 * holds back only states never seen stable, and barrier 1 holds back everything that has any knowledge.
 *
 * <p><b>TS handling</b> ({@link Mode}): DROP discards it (the seed); DEFER holds it and sends it at start + B if the
 * flow is still in that state. Only the latest state of a flow is ever held or sent. A TS prediction that turns out
 * SS is a wrong prediction; after {@code maxFailingPredictions} consecutive wrong ones for a tuple (a correct TS
 * prediction ends the streak) the tuple is reset (paper, end of Sect. VI-B: latency may change).
 *
 * <p><b>DESTROY</b> follows the rule used for the oracle in the metrics definitions: a DESTROY is itself final (the
 * flow's absence never gets superseded, so it is "stable" by construction) and is sent exactly when the backup
 * holds the flow, i.e. when some state message was sent for it; a DESTROY of a flow we never saw (e.g. older than
 * the replicator) is sent, since the backup may hold it from a migration or an earlier run. A held update is
 * discarded by the DESTROY.
 *
 * <p><b>Threading and time.</b> Single-threaded: every method must be called from one thread (the sidecar's
 * replication stage). Time is the event's {@code monotonicNanos} for events, and the injected clock (same time base)
 * for {@link #tick()}; it never goes backwards. The knowledge base is a bounded Caffeine
 * cache reading this time; the live-flow table is a bounded LRU map ({@link FlowTable}).
 */
public final class LazyReplicator implements ConntrackEventListener {
    private static final Logger log = LoggerFactory.getLogger(LazyReplicator.class);

    private volatile LazyConfig config;
    private long boundary;
    private final ReplicationSink sink;
    private final Clock clock;
    private long now;
    private final KnowledgeBase kb;
    private final FallbackModel fallback;
    private final LatencyScaledModel latency;
    private final FlowTable flows;
    private final HostLatency hosts;
    private final DeadlineQueue deadlines = new DeadlineQueue();
    private final HeldEvents holders = new HeldEvents();
    private final CalibrationGuard guard = new CalibrationGuard();
    private final ServiceGuard services = new ServiceGuard();
    private final MetricsRecorder metrics = new MetricsRecorder();
    /** The starting model: its prior and provenance are carried into snapshots unchanged. */
    private final LearnedModel initial;

    /** A replicator with no knowledge (replicates everything until it has learned). */
    public LazyReplicator(LazyConfig config, ReplicationSink sink, Clock clock) {
        this(config, sink, clock, LearnedModel.empty());
    }

    /**
     * A replicator starting from {@code initial} knowledge.
     *
     * @throws InvalidConfigException if {@code config} has problems
     */
    public LazyReplicator(LazyConfig config, ReplicationSink sink, Clock clock, LearnedModel initial) {
        this.config = Objects.requireNonNull(config, "config").validated();
        this.boundary = config.boundaryNanos();
        this.sink = Objects.requireNonNull(sink, "sink");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.now = clock.nanos();
        this.kb = new KnowledgeBase(config.maxKeys(), config.keyIdleExpiry(), () -> now);
        this.flows = new FlowTable(config.maxFlows(), config.flowIdleExpiry().toNanos());
        this.hosts = new HostLatency(config.maxKeys());
        this.initial = initial;
        initial.loadInto(kb);
        this.fallback = initial.fallback();
        this.latency = initial.latencyModel();
        // debug: an evaluation starts one replicator per barrier and mode; the daemon logs its one start at info
        log.debug("lazy replicator starting from {}", initial);
    }

    /** Handles one conntrack event (in event-time order). */
    @Override
    public void onEvent(ConntrackEvent e) {
        onEvent(e, e.entry().flowId());
    }

    @Override
    public void onEvent(EventView e) {
        onEvent(e, e.entry().flowId());
    }

    /**
     * {@link #onEvent(ConntrackEvent)} with the flow's key at hand ({@code e.entry().flowId()}): the publisher keeps
     * one key per flow across its events, so the per-event path builds none (issue 14 item 4). The event may be the
     * event reader's reused view: an update held back for a deferred send is copied into a pooled holder
     * ({@link HeldEvent}), an immediate send hands the view to the sink ({@link ReplicationSink#send(EventView,
     * long)}); neither allocates in steady state.
     */
    public void onEvent(EventView e, FlowId id) {
        advanceTo(e.monotonicNanos());
        metrics.events++;
        EntryView entry = e.entry();
        if (e.type() == EventType.DESTROY) {
            onDestroy(id, e);
            return;
        }
        FlowRecord f = flows.get(id);
        long prevLifetime = -1;
        long beforeLifetime = -1;
        boolean fresh = f == null;
        if (fresh) {
            f = new FlowRecord();
            f.flowStarted(now);
            // the flow's knowledge-base tuple, looked up before the flow table's put: it names the flow there too
            f.key = kb.lookup(entry.original());
            flows.put(id, f);
        } else {
            if (e.type() != EventType.NEW) {
                prevLifetime = now - f.start;
                beforeLifetime = f.prevLifetime;
            }
            endState(f, now);
        }
        f.prevLifetime = prevLifetime;
        if (e.type() == EventType.NEW) {
            f.flowStarted(now);
        }
        if (!fresh && e.type() == EventType.NEW) {
            // one knowledge-base access per flow: later events of the flow reuse the tuple (its idle expiry then
            // counts from the flow's start; a tuple evicted meanwhile only loses that flow's observations)
            f.key = kb.lookup(entry.original());
        }
        startState(f, e, prevLifetime, beforeLifetime);
    }

    /** Sweeps the deadlines that are due by the injected clock's time (sends deferred updates). */
    public void tick() {
        advanceTo(clock.nanos());
    }

    /**
     * Moves time to {@code nanos} (never backwards): every state alive at its B deadline by then is labelled SS, and
     * in DEFER mode its held update is sent, stamped with the deadline.
     */
    public void advanceTo(long nanos) {
        while (!deadlines.isEmpty()) {
            long due = deadlines.headStart() + boundary;
            if (due > nanos) {
                break;
            }
            if (due > now) {
                now = due;
            }
            FlowRecord f = deadlines.headFlow();
            int seq = deadlines.headSeq();
            deadlines.pop();
            if (!f.gone() && f.seq == seq && !f.labelled()) {
                label(f, true);
                if (f.held != null) {
                    HeldEvent h = f.held;
                    f.held = null;
                    send(f, h);
                    holders.give(h);
                    metrics.count(MetricsRecorder.DEFERRED_SENT, f.stateId, f.portClass);
                }
            }
        }
        if (nanos > now) {
            now = nanos;
        }
        flows.expire(now);
    }

    private void onDestroy(FlowId id, EventView e) {
        metrics.destroys++;
        FlowRecord f = flows.get(id);
        boolean send;
        if (f == null) {
            send = true;
        } else {
            endState(f, now);
            f.markGone();
            flows.remove(id);
            send = f.backupStateId >= 0;
        }
        if (send) {
            sink.send(e, now);
            metrics.destroysSent++;
        }
    }

    private void endState(FlowRecord f, long end) {
        if (f.stateId < 0) {
            return;
        }
        if (!f.labelled()) {
            label(f, end - f.start >= boundary);
        }
        if (config.learning()) {
            latency.observe(f.stateId, f.portClass, f.prevBucket, f.historyBucket, end - f.start, f.decisionRtt);
        }
        metrics.stateEnded(f, end, boundary);
        release(f);
    }

    private void startState(FlowRecord f, EventView e, long prevLifetime, long beforeLifetime) {
        EntryView entry = e.entry();
        Tuple o = entry.original();
        int stateId = StateIds.of(entry);
        int port = IpProto.isIcmp(o.l4proto()) ? o.icmpType() : o.dport();
        f.stateId = (byte) stateId;
        f.portClass = (byte) FeatureEncoder.portClass(o.l4proto(), port);
        if (f.rtt() < 0 && e.type() != EventType.NEW && replyConfirmed(entry)) {
            f.rttMeasured(now);
            if (o.l4proto() == IpProto.TCP) {
                hosts.record(o.src(), f.rtt());   // a full round trip; a UDP reply only times the server side
            }
        }
        long rtt = f.rtt() >= 0 ? f.rtt() : hosts.get(o.src());
        f.decisionRtt = rtt;
        f.prevBucket = (byte) LatencyScaledModel.prevBucket(prevLifetime, rtt);
        f.historyBucket = (byte) LatencyScaledModel.prevBucket(beforeLifetime, rtt);
        f.code = (short) FeatureEncoder.code(stateId, f.portClass,
                FeatureEncoder.lifetimeBucket(prevLifetime, boundary), FeatureEncoder.rttBucket(rtt, boundary));
        f.start = now;
        f.seq++;
        f.labelled(false);
        release(f);
        f.sentAt = -1;
        f.backupAtStart = f.backupStateId;
        f.decision = FlowRecord.NONE;
        metrics.count(MetricsRecorder.CHANGES, stateId, f.portClass);

        LazyConfig c = config;
        double pss = rtt > 0 ? latencyProbability(f, rtt, c.minObservations()) : Double.NaN;
        byte source;
        if (!Double.isNaN(pss)) {
            source = FlowRecord.TS_LATENCY;
            metrics.count(MetricsRecorder.FALLBACK, stateId, f.portClass);
            if (f.slot() >= 0 && f.key.observed(f.slot()) >= c.minObservations()
                    && 2 * f.key.observedTs(f.slot()) <= f.key.observed(f.slot())) {
                pss = Math.max(pss, 0.5);   // the tuple's own history: stable at least half of the time
            }
        } else if (f.slot() >= 0 && f.key.observed(f.slot()) >= c.minObservations()) {
            int t = f.key.observed(f.slot());
            pss = (double) (t - f.key.observedTs(f.slot())) / t;
            source = FlowRecord.TS_KEY;
        } else if (fallback.stateObservations(stateId) >= c.minObservations()
                && !guard.distrusted(CalibrationGuard.FALLBACK, stateId, f.portClass)) {
            pss = fallback.probabilityStable(f.code);
            source = FlowRecord.TS_FALLBACK;
            metrics.count(MetricsRecorder.FALLBACK, stateId, f.portClass);
        } else {
            pss = 1.0;
            source = FlowRecord.NONE;
            metrics.count(MetricsRecorder.NO_KNOWLEDGE, stateId, f.portClass);
        }
        if (source != FlowRecord.NONE && pss <= c.barrier() && c.learning()) {
            if (serviceVetoes(source, f)) {
                source = FlowRecord.NONE;   // this service's state was held and stable too often: sent
            }
            int judged = judgedSource(source, f);
            if (judged >= 0 && !guard.mayHold(judged, stateId, f.portClass, now, boundary)) {
                source = FlowRecord.NONE;   // on probation or distrusted here: sent
            } else if (judged >= 0) {
                guard.hold(judged, stateId, f.portClass, now);
            }
        }
        if (source != FlowRecord.NONE && pss <= c.barrier()) {
            f.decision = source;
            if (c.mode() == Mode.DEFER) {
                f.held = holders.take().hold(e);
            }
        } else {
            f.decision = FlowRecord.SENT_SS;
            send(f, e);
        }
        deadlines.add(f, f.start, f.seq);
    }

    /**
     * P(SS) from the latency-scaled model, the most specific histogram with {@code min} observations: (state, port
     * class, previous-lifetime bucket, bucket of the lifetime before it), else without the latter, else the (state,
     * port class) one over all buckets; NaN when none has.
     */
    private double latencyProbability(FlowRecord f, long rtt, int min) {
        if (latency.historyObservations(f.stateId, f.portClass, f.prevBucket, f.historyBucket) >= min) {
            return latency.probabilityStableHistory(f.stateId, f.portClass, f.prevBucket, f.historyBucket, rtt,
                    boundary);
        }
        if (latency.observations(f.stateId, f.portClass, f.prevBucket) >= min) {
            return latency.probabilityStable(f.stateId, f.portClass, f.prevBucket, rtt, boundary);
        }
        if (latency.observations(f.stateId, f.portClass) >= min) {
            return latency.probabilityStablePooled(f.stateId, f.portClass, rtt, boundary);
        }
        return Double.NaN;
    }

    /**
     * The flow has seen both directions' handshake: TCP reached ESTABLISHED (SYN_RECV already has SEEN_REPLY but
     * only after the server side's half of the handshake), any other protocol has SEEN_REPLY.
     */
    private static boolean replyConfirmed(EntryView e) {
        return e.l4proto() == IpProto.TCP ? e.tcpState() == org.hftfw.conntrack.TcpState.ESTABLISHED
                : e.hasStatus(org.hftfw.conntrack.Status.SEEN_REPLY);
    }

    /** Ends the flow's hold, if any: its holder goes back to the pool. */
    private void release(FlowRecord f) {
        if (f.held != null) {
            holders.give(f.held);
            f.held = null;
        }
    }

    private void send(FlowRecord f, EventView e) {
        sink.send(e, now);
        f.backupStateId = f.stateId;
        f.sentAt = now;
        metrics.count(MetricsRecorder.SENT, f.stateId, f.portClass);
    }

    private void label(FlowRecord f, boolean stable) {
        f.labelled(true);
        metrics.count(MetricsRecorder.LABELLED, f.stateId, f.portClass);
        boolean wrong = stable && f.heldBack();
        if (wrong) {
            metrics.count(MetricsRecorder.WRONG, f.stateId, f.portClass);
        }
        LazyConfig c = config;
        if (!c.learning()) {
            return;
        }
        KeyStats k = f.key;
        if (f.heldBack()) {
            if (wrong) {
                k.streak(k.streak() + 1);
                if (c.maxFailingPredictions() > 0 && k.streak() >= c.maxFailingPredictions()) {
                    k.reset();
                    metrics.resets++;
                    log.debug("reset tuple {} after {} consecutive wrong predictions", k, c.maxFailingPredictions());
                }
            } else {
                k.streak(0);
            }
            checkCalibration(f, stable, c.barrier());
            recordService(f, stable);
        }
        if (f.slot() >= 0) {
            k.observe(f.slot(), !stable);
        }
        fallback.observe(f.code, !stable);
    }

    /** {@link ServiceGuard}: may not {@code source} hold this change of the flow's service? (Not the tuple's own.) */
    private boolean serviceVetoes(byte source, FlowRecord f) {
        return source != FlowRecord.TS_KEY && f.slot() >= 0 && services.vetoes(f.key.serviceKey(), f.slot());
    }

    /** {@link ServiceGuard}: a held change was labelled (kept small: the per-event methods stay inlinable). */
    private void recordService(FlowRecord f, boolean stable) {
        if (f.decision != FlowRecord.TS_KEY && f.slot() >= 0) {
            services.record(f.key.serviceKey(), f.slot(), stable);
        }
    }

    /** The {@link CalibrationGuard} source behind a decision by {@code source}, or −1 when it is not guarded. */
    private int judgedSource(byte source, FlowRecord f) {
        if (source == FlowRecord.TS_LATENCY) {
            return latency.hasPrior(f.stateId, f.portClass) ? CalibrationGuard.PRIOR : -1;
        }
        return source == FlowRecord.TS_FALLBACK ? CalibrationGuard.FALLBACK : -1;
    }

    /** {@link CalibrationGuard}: a change held by the prior-blended latency model or by the fallback was labelled. */
    private void checkCalibration(FlowRecord f, boolean stable, double barrier) {
        int judged = judgedSource(f.decision, f);
        if (judged == CalibrationGuard.PRIOR) {
            if (guard.record(CalibrationGuard.PRIOR, f.stateId, f.portClass, stable, barrier)) {
                latency.dropPrior(f.stateId, f.portClass);
                log.debug("prior withdrawn for {} port class {}: its held changes were stable too often",
                        StateIds.name(f.stateId), f.portClass);
            }
        } else if (judged == CalibrationGuard.FALLBACK
                && guard.record(CalibrationGuard.FALLBACK, f.stateId, f.portClass, stable, barrier)) {
            log.debug("fallback withdrawn for {} port class {}: its held changes were stable too often",
                    StateIds.name(f.stateId), f.portClass);
        }
    }

    /** (State, port class) contexts where the prior or the fallback was withdrawn ({@link CalibrationGuard}). */
    long calibrationTrips() {
        return guard.trips();
    }

    /**
     * Applies a new configuration at run time. Invalid input is refused with {@link InvalidConfigException} and the
     * current configuration stays in force. The knowledge base and flow table bounds are resized in place (a smaller
     * bound evicts); a new latency applies to deadlines from now on; updates already held stay held until their
     * deadline.
     */
    public void reconfigure(LazyConfig newConfig) {
        Objects.requireNonNull(newConfig, "newConfig");
        List<String> problems = newConfig.problems();
        if (!problems.isEmpty()) {
            log.warn("configuration refused, keeping the current one: {}", problems);
            throw new InvalidConfigException(problems);
        }
        kb.resize(newConfig.maxKeys(), newConfig.keyIdleExpiry());
        flows.resize(newConfig.maxFlows(), newConfig.flowIdleExpiry().toNanos());
        hosts.resize(newConfig.maxKeys());
        LazyConfig old = config;
        config = newConfig;
        boundary = newConfig.boundaryNanos();
        log.info("lazy replicator reconfigured: {} -> {}", old, newConfig);
    }

    public LazyConfig config() {
        return config;
    }

    /** The replicator's current time on the event clock. */
    public long nowNanos() {
        return now;
    }

    /** Live metrics (runs pending cache maintenance first so sizes are exact). */
    public ReplicatorMetrics metrics() {
        kb.cleanUp();
        double perTuple = kb.size() == 0 ? 0.0 : 40 + KnowledgeBase.CACHE_BYTES_PER_ENTRY;
        metrics.flowEvictions = flows.evictions();
        return metrics.snapshot(kb.size(), kb.evictions(), perTuple, flows.size());
    }

    /** The knowledge-base tuple of a flow's original tuple, or null (tests and diagnostics). */
    KeyStats knowledgeOf(Tuple original) {
        return kb.find(KnowledgeBase.probe(original));
    }

    FallbackModel fallbackModel() {
        return fallback;
    }

    /** What has been learned so far, for {@link ModelFile#save} or to start another replicator. */
    public LearnedModel snapshot() {
        kb.cleanUp();
        return LearnedModel.of(kb.entries(), fallback, latency, boundary, initial);
    }
}
