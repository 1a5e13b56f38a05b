package org.hftfw.lazy;

/**
 * Features of the naive Bayes fallback, used for (key, state) pairs with fewer than {@code minObservations}
 * labelled observations of their own. An observation is described by four values:
 * <ol>
 *   <li><b>state</b> ({@link StateIds}, 49 values): the paper's only feature;</li>
 *   <li><b>destination-port class</b> (8 values): web, mail, interactive, infrastructure (DNS/NTP/DHCP/...),
 *       file transfer, other well-known, registered, dynamic. The paper keeps Portdst in Qr because services
 *       behave differently; the class carries that to tuples never seen before (e.g. FTP data connections, whose
 *       ephemeral ports never repeat);</li>
 *   <li><b>lifetime of the flow's previous state</b> (5 buckets: first state of the flow, &lt; B/8, &lt; B/2,
 *       &lt; B, ≥ B): this flow's own pace, known at decision time;</li>
 *   <li><b>path round-trip time</b> (8 buckets relative to B: unknown, &lt; B/4, &lt; B/2, &lt; 3B/4, &lt; 0.9B,
 *       &lt; 1.1B, &lt; 1.5B, ≥ 1.5B): the flow's handshake RTT (NEW → first reply-confirmed state, e.g.
 *       SYN_SENT → ESTABLISHED) once measured, before that the last one measured for the flow's source address
 *       ({@link HostLatency}). The paper names latency as what makes a state TS or SS ("if latency is high, all
 *       the states tend to behave as SS", Sect. III; heterogeneous latency raises wrong predictions, Sect. VII-B):
 *       SYN_RECV lives one client RTT, FIN_WAIT one RTT, so with per-client RTTs of 20-500 ms and B = 200 ms the
 *       state alone cannot tell TS from SS, the RTT can.</li>
 * </ol>
 * The effect of the port class, the previous lifetime and the RTT differs by state (a 300 ms RTT makes SYN_RECV
 * stable and leaves TIME_WAIT stable and SYN_SENT transitional), and naive Bayes cannot learn interactions, so the
 * model's feature groups are the <b>conjunctions</b> state×port, state×previous-lifetime and state×RTT (one-hot
 * each, fed to Smile's multinomial {@code DiscreteNaiveBayes}). The bare state group is counted too (it gives the
 * per-state observation counts and is checked in model files) but not used in predictions: every conjunction
 * already carries the state. Every vector has one active feature per group, so Smile's all-zero gotcha cannot
 * occur. A combination of the four values is packed into one int "code" for caching.
 */
final class FeatureEncoder {
    /** Version of the feature layout; stored in model files, bumped on any change. */
    static final int SCHEMA = 3;

    static final int PORT_CLASSES = 8;
    static final int LIFETIME_BUCKETS = 5;
    static final int RTT_BUCKETS = 8;
    static final int S = StateIds.COUNT;
    /** Offsets of the feature groups in the p-vector. */
    static final int STATE_PORT = S;
    static final int STATE_LIFETIME = STATE_PORT + S * PORT_CLASSES;
    static final int STATE_RTT = STATE_LIFETIME + S * LIFETIME_BUCKETS;
    static final int P = STATE_RTT + S * RTT_BUCKETS;
    static final int CODES = S * PORT_CLASSES * LIFETIME_BUCKETS * RTT_BUCKETS;

    static final String[] PORT_CLASS_NAMES = {"web", "mail", "interactive", "infra", "file", "well-known",
        "registered", "dynamic"};
    static final String[] RTT_BUCKET_NAMES = {"unknown", "<B/4", "<B/2", "<3B/4", "<0.9B", "<1.1B", "<1.5B",
        ">=1.5B"};

    private FeatureEncoder() {}

    static int portClass(int l4proto, int dport) {
        if (!org.hftfw.conntrack.IpProto.hasPorts(l4proto)) {
            return 5;
        }
        return switch (dport) {
            case 80, 443, 8080, 8443, 8000, 3128 -> 0;
            case 25, 110, 143, 465, 587, 993, 995 -> 1;
            case 22, 23, 3389, 5900, 5222, 6667 -> 2;
            case 53, 123, 67, 68, 161, 162, 514, 389, 636, 88, 853 -> 3;
            case 20, 21, 69, 139, 445, 873, 2049, 989, 990 -> 4;
            default -> dport < 1024 ? 5 : dport < 49152 ? 6 : 7;
        };
    }

    /** Bucket of the previous state's lifetime; {@code prevLifetime < 0} means "first state of the flow". */
    static int lifetimeBucket(long prevLifetimeNanos, long boundaryNanos) {
        if (prevLifetimeNanos < 0) {
            return 0;
        }
        if (prevLifetimeNanos < boundaryNanos / 8) {
            return 1;
        }
        if (prevLifetimeNanos < boundaryNanos / 2) {
            return 2;
        }
        return prevLifetimeNanos < boundaryNanos ? 3 : 4;
    }

    /** Bucket of a round-trip time; {@code rttNanos < 0} means unknown. */
    static int rttBucket(long rttNanos, long boundaryNanos) {
        if (rttNanos < 0) {
            return 0;
        }
        double r = (double) rttNanos / boundaryNanos;
        return r < 0.25 ? 1 : r < 0.5 ? 2 : r < 0.75 ? 3 : r < 0.9 ? 4 : r < 1.1 ? 5 : r < 1.5 ? 6 : 7;
    }

    static int code(int stateId, int portClass, int lifetimeBucket, int rttBucket) {
        return ((stateId * PORT_CLASSES + portClass) * LIFETIME_BUCKETS + lifetimeBucket) * RTT_BUCKETS + rttBucket;
    }

    static int stateOf(int code) {
        return code / (PORT_CLASSES * LIFETIME_BUCKETS * RTT_BUCKETS);
    }

    static int portOf(int code) {
        return code / (LIFETIME_BUCKETS * RTT_BUCKETS) % PORT_CLASSES;
    }

    static int lifetimeOf(int code) {
        return code / RTT_BUCKETS % LIFETIME_BUCKETS;
    }

    static int rttOf(int code) {
        return code % RTT_BUCKETS;
    }

    /** The state a p-vector index belongs to (every feature group is per state). */
    static int stateOfFeature(int i) {
        if (i < STATE_PORT) {
            return i;
        }
        if (i < STATE_LIFETIME) {
            return (i - STATE_PORT) / PORT_CLASSES;
        }
        if (i < STATE_RTT) {
            return (i - STATE_LIFETIME) / LIFETIME_BUCKETS;
        }
        return (i - STATE_RTT) / RTT_BUCKETS;
    }

    /** Index in the p-vector of the bare state feature of {@code code} (counted, not used in predictions). */
    static int stateFeature(int code) {
        return stateOf(code);
    }

    /** Indexes in the p-vector of the three conjunction features of {@code code} (the ones predictions use). */
    static int statePortFeature(int code) {
        return STATE_PORT + stateOf(code) * PORT_CLASSES + portOf(code);
    }

    static int stateLifetimeFeature(int code) {
        return STATE_LIFETIME + stateOf(code) * LIFETIME_BUCKETS + lifetimeOf(code);
    }

    static int stateRttFeature(int code) {
        return STATE_RTT + stateOf(code) * RTT_BUCKETS + rttOf(code);
    }
}
