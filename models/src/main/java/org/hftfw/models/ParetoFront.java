package org.hftfw.models;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Pareto front of an evaluation (issue 13 item 4): every policy as a point (saved, exposure counted from each
 * stable state's event time), Bayes DROP and DEFER at every barrier of the run and the baselines, so an operator
 * sees what each choice costs. A point is on the front when no other point saves at least as much at no more
 * exposure and is better in one of the two. Written as a Markdown table and as an SVG drawn by hand (x: exposure
 * on a log scale, with exactly 0 at the left edge; y: saved).
 */
public final class ParetoFront {
    /** One policy's point. */
    public record Point(String name, double saved, double exposureFromEvent, double exposure, double wrong,
                        double savedVsOracle, boolean bayes, String mode) {}

    private ParetoFront() {}

    public static List<Point> points(Evaluation.Report r) {
        List<Point> out = new ArrayList<>();
        for (Evaluation.Row row : r.bayes()) {
            PolicyResult p = row.result();
            out.add(new Point(String.format(Locale.ROOT, "bayes %s %.3f", p.mode(), p.barrier()), p.saved(),
                    p.exposureFromEvent(), p.exposure(), p.wrong(), p.savedVsOracle(), true, p.mode()));
        }
        for (Evaluation.Row row : r.baselines()) {
            PolicyResult p = row.result();
            out.add(new Point(p.policy(), p.saved(), p.exposureFromEvent(), p.exposure(), p.wrong(),
                    p.savedVsOracle(), false, "-"));
        }
        return out;
    }

    /**
     * Whether {@code p} is on the front of {@code all}: of the policies that can be run, so the oracle (which knows
     * every lifetime, and would dominate every point at zero exposure) is a reference, not a competitor.
     */
    public static boolean onFront(Point p, List<Point> all) {
        if (isOracle(p)) {
            return false;
        }
        for (Point q : all) {
            if (isOracle(q)) {
                continue;
            }
            boolean asGood = q.saved() >= p.saved() && q.exposureFromEvent() <= p.exposureFromEvent();
            boolean better = q.saved() > p.saved() || q.exposureFromEvent() < p.exposureFromEvent();
            if (asGood && better) {
                return false;
            }
        }
        return true;
    }

    private static boolean isOracle(Point p) {
        return !p.bayes() && p.name().equals("oracle");
    }

    /** A Markdown table, best savings first; "front" marks the Pareto-optimal points. */
    public static String markdown(Evaluation.Report r) {
        List<Point> all = points(r);
        List<Point> sorted = new ArrayList<>(all);
        sorted.sort((a, b) -> Double.compare(b.saved(), a.saved()));
        StringBuilder sb = new StringBuilder("| policy | saved | of the oracle | exposure from event | exposure | wrong "
                + "(late in defer) | front |\n|---|---|---|---|---|---|---|\n");
        for (Point p : sorted) {
            sb.append(String.format(Locale.ROOT, "| %s | %.2f %% | %.1f %% | %.4f %% | %.4f %% | %.3f %% | %s |%n",
                    p.name(), 100 * p.saved(), 100 * p.savedVsOracle(), 100 * p.exposureFromEvent(),
                    100 * p.exposure(), 100 * p.wrong(), onFront(p, all) ? "yes" : isOracle(p) ? "(bound)" : ""));
        }
        return sb.toString();
    }

    private static final int W = 860;
    private static final int H = 520;
    private static final int LEFT = 70;
    private static final int RIGHT = 210;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    /** Log-scale x range of exposure (fractions); exactly 0 is drawn at the left edge. */
    private static final double X_MIN = 1e-6;
    private static final double X_MAX = 1e-1;
    private static final String[] TICKS = {"0.0001 %", "0.001 %", "0.01 %", "0.1 %", "1 %", "10 %"};

    /** Writes the SVG plot of {@code r} to {@code file}. */
    public static void writeSvg(Evaluation.Report r, String title, Path file) throws IOException {
        Files.writeString(file, svg(r, title), StandardCharsets.UTF_8);
    }

    static String svg(Evaluation.Report r, String title) {
        List<Point> all = points(r);
        double yMax = 0;
        for (Point p : all) {
            yMax = Math.max(yMax, p.saved());
        }
        yMax = Math.max(0.1, Math.ceil(yMax * 10 + 0.5) / 10);
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                W, H));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>%n", LEFT, esc(title)));
        int x0 = LEFT;
        int x1 = W - RIGHT;
        int y0 = H - BOTTOM;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"black\"/>%n", x0, TOP, x1 - x0, y0 - TOP));
        for (int e = -6; e <= -1; e++) {
            double x = x(Math.pow(10, e));
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, TOP, x, y0, x, y0 + 16,
                    TICKS[e + 6]));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">0</text>%n", x0, y0 + 16));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">exposure counted from "
                + "the event (share of stable state-time the backup lacks), log scale</text>%n", (x0 + x1) / 2, H - 12));
        for (int k = 0; k <= 10; k++) {
            double v = yMax * k / 10;
            double y = y(v, yMax);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f %%</text>%n", x0, y, x1, y, x0 - 6, y + 4,
                    100 * v));
        }
        s.append(String.format(Locale.ROOT, "<text transform=\"translate(18,%d) rotate(-90)\" text-anchor=\"middle\">"
                + "saved messages (vs replicate-all)</text>%n", (TOP + y0) / 2));
        for (String mode : List.of("drop", "defer")) {
            StringBuilder path = new StringBuilder();
            String colour = mode.equals("drop") ? "#1f77b4" : "#d62728";
            for (Point p : all) {
                if (p.bayes() && p.mode().equals(mode)) {
                    double px = x(p.exposureFromEvent());
                    double py = y(p.saved(), yMax);
                    path.append(path.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
                    s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n",
                            px, py, colour));
                }
            }
            if (!path.isEmpty()) {
                s.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\"%s/>%n", path, colour,
                        mode.equals("defer") ? " stroke-dasharray=\"5,3\"" : ""));
            }
        }
        int legend = TOP + 10;
        s.append(legendLine(x1 + 12, legend, "#1f77b4", "bayes drop (barriers)", false));
        s.append(legendLine(x1 + 12, legend + 18, "#d62728", "bayes defer (barriers)", true));
        int ly = legend + 44;
        for (Point p : all) {
            if (!p.bayes()) {
                double px = x(p.exposureFromEvent());
                double py = y(p.saved(), yMax);
                s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" "
                        + "fill=\"%s\" stroke=\"black\"/>%n", px - 3.5, py - 3.5, onFront(p, all) ? "#2ca02c" : "white"));
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">%s</text>%n",
                        px + 6, py - 5, esc(p.name())));
            }
        }
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"7\" height=\"7\" fill=\"#2ca02c\" "
                + "stroke=\"black\"/><text x=\"%d\" y=\"%d\">baseline on the front</text>%n", x1 + 12, ly, x1 + 24,
                ly + 7));
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"7\" height=\"7\" fill=\"white\" "
                + "stroke=\"black\"/><text x=\"%d\" y=\"%d\">baseline off it</text>%n", x1 + 12, ly + 18, x1 + 24,
                ly + 25));
        s.append("</svg>\n");
        return s.toString();
    }

    private static String legendLine(int x, int y, String colour, String label, boolean dashed) {
        return String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"%s/>"
                + "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n", x, y,
                x + 22, y, colour, dashed ? " stroke-dasharray=\"5,3\"" : "", x + 11, y, colour, x + 28, y + 4, label);
    }

    private static double x(double exposure) {
        double e = Math.max(X_MIN, Math.min(X_MAX, exposure));
        if (exposure <= 0) {
            return LEFT;
        }
        double f = (Math.log10(e) - Math.log10(X_MIN)) / (Math.log10(X_MAX) - Math.log10(X_MIN));
        return LEFT + 12 + f * (W - RIGHT - LEFT - 12);
    }

    private static double y(double saved, double yMax) {
        return H - BOTTOM - saved / yMax * (H - BOTTOM - TOP);
    }

    private static String esc(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
