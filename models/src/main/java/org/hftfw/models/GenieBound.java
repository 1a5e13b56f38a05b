package org.hftfw.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hftfw.conntrack.ConntrackEvent;

/**
 * The most any causal classifier can save in DEFER mode on a generated mix at a wrong budget, whatever features it
 * uses: the Bayes-optimal decisions of a genie that knows more than the event stream can carry (issue 13, item 3).
 *
 * <p><b>Why it bounds every classifier.</b> {@link MixTraces} draws each flow from its mix independently of every
 * other flow; the draws of a flow that set a state's lifetime (response sizes, requests per connection, server and
 * think times, where a server-first close splits the client's RTT, a client-first close's delay) are made for that
 * state and appear in no earlier event. Everything a classifier can know when a state change arrives — every event
 * before it, of this flow and of all others, and anything learned from them — is therefore a function of the genie's
 * knowledge F (the mix itself, the flow's service, its exact RTT and LAN delay, all its earlier draws, and from its
 * FIN_WAIT on whether the server or the client closed first) and of draws independent of this state's lifetime. For
 * any classifier whose hold decision D is so determined, E[D·1{stable}] = E[D·q] with q = P(stable | F), which {@link
 * MixTraces#generate(TrafficMix, long, int, double, IdentityHashMap)} computes (in closed form; by Monte Carlo for an
 * ESTABLISHED lifetime, 20 000 samples per flow). The expected transitional changes held at an expected wrong count W
 * are then at most those of holding the changes of lowest q first until Σq = W (Neyman–Pearson; fractional at the last
 * change). DESTROY messages of flows whose every change is transitional and changes whose label is unknown (alive at
 * the end of the log) are credited as saved without cost. The bound is on expected savings; a classifier's realised
 * savings on one log differ from their expectation by chance (the genie's own realised figures are printed beside it).
 *
 * <p>It is a bound for these <i>synthetic</i> mixes: on real traffic nobody knows q. It shows where the 95 % goal
 * fails for want of information rather than of a better learner.
 */
public final class GenieBound {
    /**
     * The bound on one log.
     *
     * @param saved              bound on expected saved messages ÷ events
     * @param ofOracle           {@code saved} ÷ the oracle's saved on this log
     * @param transitionalHeld   expected transitional changes held ÷ transitional changes on this log
     * @param wrong              expected stable changes held ÷ labelled changes (the budget)
     * @param realisedOfOracle   the genie's decisions scored on this log's labels: saved ÷ the oracle's
     * @param realisedWrong      the same, stable changes held ÷ labelled changes
     * @param unpredictable      labelled changes with 0.005 &lt; q &lt; 0.995 ÷ labelled changes
     * @param gapByState         per state name, its expected transitional changes not held ÷ the oracle's saved
     *                           messages (the bound's gap to the oracle, by state; largest first)
     */
    public record Result(double saved, double ofOracle, double transitionalHeld, double wrong, double realisedOfOracle,
                         double realisedWrong, double unpredictable, Map<String, Double> gapByState) {}

    private GenieBound() {}

    /** The bound on {@code t}, whose changes' P(stable) the generator wrote into {@code truth}. */
    public static Result compute(Trace t, IdentityHashMap<ConntrackEvent, Double> truth, double budget) {
        List<double[]> changes = new ArrayList<>();
        long labelled = 0;
        long transitional = 0;
        long unknown = 0;
        long unpredictable = 0;
        boolean[] hasStable = new boolean[t.flows];
        boolean[] destroyed = new boolean[t.flows];
        for (int i = 0; i < t.n; i++) {
            if (t.destroy[i]) {
                destroyed[t.flow[i]] = true;
                continue;
            }
            if (t.label[i] == Trace.UNKNOWN) {
                unknown++;
                continue;
            }
            Double q = truth.get(t.events.get(i));
            if (q == null) {
                throw new IllegalArgumentException("no P(stable) for event " + i + " of the log");
            }
            labelled++;
            if (q > 0.005 && q < 0.995) {
                unpredictable++;
            }
            boolean stable = t.label[i] == Trace.SS;
            hasStable[t.flow[i]] |= stable;
            transitional += stable ? 0 : 1;
            changes.add(new double[] {q, stable ? 1 : 0, t.state[i]});
        }
        long destroysOfTransitionalFlows = 0;
        for (int f = 0; f < t.flows; f++) {
            if (destroyed[f] && !hasStable[f]) {
                destroysOfTransitionalFlows++;
            }
        }
        changes.sort((a, b) -> Double.compare(a[0], b[0]));
        double allowed = budget * labelled;
        double expectedWrong = 0;
        double expectedHeld = 0;
        double realisedHeld = 0;
        double realisedWrong = 0;
        double[] gap = new double[t.stateNames.size()];
        for (double[] c : changes) {
            double q = c[0];
            double share = q == 0 ? 1 : Math.clamp((allowed - expectedWrong) / q, 0.0, 1.0);
            gap[(int) c[2]] += (1 - share) * (1 - q);
            if (share == 0) {
                continue;
            }
            expectedWrong += share * q;
            expectedHeld += share * (1 - q);
            realisedHeld += share * (1 - c[1]);
            realisedWrong += share * c[1];
        }
        double free = unknown + destroysOfTransitionalFlows;
        double oracle = (free + transitional) / t.n;
        double saved = (free + expectedHeld) / t.n;
        Map<String, Double> gapByState = new LinkedHashMap<>();
        Integer[] order = new Integer[gap.length];
        for (int s = 0; s < order.length; s++) {
            order[s] = s;
        }
        Arrays.sort(order, (a, b) -> Double.compare(gap[b], gap[a]));
        for (int s : order) {
            if (gap[s] > 0) {
                gapByState.put(t.stateNames.get(s), gap[s] / (free + transitional));
            }
        }
        return new Result(saved, saved / oracle, expectedHeld / transitional, expectedWrong / labelled,
                (free + realisedHeld) / t.n / oracle, realisedWrong / labelled, (double) unpredictable / labelled,
                gapByState);
    }

    /** The gap to the oracle by state, e.g. {@code ESTABLISHED 4.1, FIN_WAIT 2.0} (points of the oracle). */
    public static String describeGap(Result r) {
        StringBuilder sb = new StringBuilder();
        r.gapByState().forEach((state, g) -> {
            if (g >= 0.0005) {
                sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%s %.1f", state, 100 * g));
            }
        });
        return sb.toString();
    }
}
