package org.hftfw.lazy;

/**
 * Features of the naive Bayes fallback, used for (key, state) pairs with fewer than {@code minObservations}
 * labelled observations of their own. Each observation is a one-hot vector over three feature groups, fed to
 * Smile's multinomial {@code DiscreteNaiveBayes}:
 * <ol>
 *   <li><b>state</b> ({@link StateIds}, 49 values): the paper's only feature. It already names the L4 protocol
 *       and, for stateless protocols, the SEEN_REPLY/ASSURED status bits, so neither is a separate group: naive
 *       Bayes assumes the groups independent given the class, and a redundant copy would count the same evidence
 *       twice. (For TCP the ASSURED bit follows from reaching ESTABLISHED, so it adds nothing either.)</li>
 *   <li><b>destination-port class</b> (8 values): web, mail, interactive, infrastructure (DNS/NTP/DHCP/...),
 *       file transfer, other well-known, registered, dynamic. The paper keeps Portdst in Qr because services
 *       (HTTP vs SSH, QoS classes) behave differently; the class carries that to tuples never seen before.</li>
 *   <li><b>lifetime of the flow's previous state</b> (5 buckets: first state of the flow, &lt; B/8, &lt; B/2,
 *       &lt; B, ≥ B). The paper names network latency as what makes states TS or SS ("if latency is high, all
 *       the states tend to behave as SS", Sect. III; heterogeneous latency raises wrong predictions, Sect. VII-B);
 *       the previous state's lifetime is this flow's own latency sample, known at decision time.</li>
 * </ol>
 * Every vector has exactly one active feature per group, so Smile's all-zero gotcha (ignored update, prediction
 * Integer.MIN_VALUE) cannot occur. A feature combination is packed into one int "code" for caching.
 */
final class FeatureEncoder {
    /** Version of the feature layout; stored in model files, bumped on any change. */
    static final int SCHEMA = 1;

    static final int PORT_CLASSES = 8;
    static final int LIFETIME_BUCKETS = 5;
    static final int P = StateIds.COUNT + PORT_CLASSES + LIFETIME_BUCKETS;
    static final int CODES = StateIds.COUNT * PORT_CLASSES * LIFETIME_BUCKETS;

    static final String[] PORT_CLASS_NAMES = {"web", "mail", "interactive", "infra", "file", "well-known",
        "registered", "dynamic"};

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

    static int code(int stateId, int portClass, int bucket) {
        return (stateId * PORT_CLASSES + portClass) * LIFETIME_BUCKETS + bucket;
    }

    static int stateOf(int code) {
        return code / (PORT_CLASSES * LIFETIME_BUCKETS);
    }

    /** Feature indexes (into the p-vector) of the three active features of {@code code}. */
    static int stateFeature(int code) {
        return stateOf(code);
    }

    static int portFeature(int code) {
        return StateIds.COUNT + (code / LIFETIME_BUCKETS) % PORT_CLASSES;
    }

    static int lifetimeFeature(int code) {
        return StateIds.COUNT + PORT_CLASSES + code % LIFETIME_BUCKETS;
    }
}
