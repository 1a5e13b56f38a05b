package org.hftfw.models;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The barrier plot of {@code hftfw evaluate --plot}, after the hFT-FW paper's Fig. 6 and Fig. 10: good prediction and
 * saved-message rates [0:1] against the Bayes barrier on the left axis, the wrong-prediction rate on its own right
 * axis (it stays within a few percent, and on a shared 0–1 axis it lay flat on zero), one set of lines per mode (DROP
 * solid with filled circles, DEFER dashed with hollow squares around them, so coinciding lines still show both), x ticks at the
 * swept barriers, and the baselines' saved rates as horizontal lines, one dash pattern each (baselines that save
 * exactly as much share one line and one legend entry). Drawn by hand (a dozen lines and some text do not need a
 * charting library) through one small {@link Canvas} with two back ends: Java2D for PNG (headless) and SVG text.
 * The format follows the file name: {@code .svg} or anything else = PNG.
 */
public final class BarrierPlot {
    private static final int W = 1040;
    private static final int H = 560;
    private static final int L = 70;
    private static final int R = 370;
    private static final int T = 50;
    private static final int B = 60;
    /** Tick labels closer than this (pixels) would overlap: only every n-th swept barrier is labelled. */
    private static final double MIN_LABEL_SPACING = 48;
    private static final String WRONG_COLOUR = "#c62828";
    /** The longest legend line that fits right of the plot at 11 px: "wrong prediction rate (right axis) (defer)". */
    static final int LEGEND_CHARS = 42;

    private BarrierPlot() {}

    public static void write(Evaluation.Report r, String title, Path out) throws IOException {
        if (out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg")) {
            Svg svg = new Svg();
            draw(r, title, svg);
            Files.writeString(out, svg.finish(), StandardCharsets.UTF_8);
        } else {
            System.setProperty("java.awt.headless", "true");
            BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, W, H);
                draw(r, title, new Java2d(g));
            } finally {
                g.dispose();
            }
            if (!ImageIO.write(img, "png", out.toFile())) {
                throw new IOException("no PNG writer available");
            }
        }
    }

    /** The swept barriers, ascending, each once: where the x ticks go. */
    static double[] xTicks(Evaluation.Report r) {
        return r.bayes().stream().mapToDouble(row -> row.result().barrier()).distinct().sorted().toArray();
    }

    /**
     * The top of the wrong-prediction axis: the largest wrong rate rounded up to 1, 2, 2.5 or 5 times a power of ten
     * (at least 0.1 %, so an all-zero sweep still has an axis).
     */
    static double wrongAxisMax(double maxWrong) {
        double v = Math.max(maxWrong, 0.001);
        double decade = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (v <= step * decade * (1 + 1e-9)) {
                return step * decade;
            }
        }
        return 10 * decade;
    }

    /** Fewest decimals (at most 4) that write every swept barrier exactly, e.g. 0.05, 0.075, 0.1 → 3. */
    static int decimals(double[] values) {
        for (int d = 1; d < 4; d++) {
            double scale = Math.pow(10, d);
            boolean exact = true;
            for (double v : values) {
                exact &= Math.abs(Math.round(v * scale) - v * scale) < 1e-6;
            }
            if (exact) {
                return d;
            }
        }
        return 4;
    }

    private static void draw(Evaluation.Report r, String title, Canvas c) {
        double[] ticks = xTicks(r);
        double xmin = ticks.length == 0 ? 0 : ticks[0];
        double xmax = ticks.length == 0 ? 1 : ticks[ticks.length - 1];
        if (xmax - xmin < 1e-9) {
            xmin = Math.max(0, xmin - 0.05);
            xmax = Math.min(1, xmax + 0.05);
        }
        double x0 = xmin;
        double x1 = xmax;
        int pw = W - L - R;
        int ph = H - T - B;
        double wrongMax = wrongAxisMax(r.bayes().stream().mapToDouble(row -> row.result().wrong()).max().orElse(0));
        java.util.function.DoubleUnaryOperator px = v -> L + (v - x0) / (x1 - x0) * pw;
        java.util.function.DoubleUnaryOperator py = v -> T + (1 - v) * ph;
        java.util.function.DoubleUnaryOperator pyWrong = v -> T + (1 - v / wrongMax) * ph;
        c.text(L + pw / 2.0, 28, title, 16, "middle", "#000000");
        for (int i = 0; i <= 10; i++) {
            double v = i / 10.0;
            c.line(L, py.applyAsDouble(v), L + pw, py.applyAsDouble(v), "#e4e4e4", 1, Dash.SOLID);
            c.text(L - 8, py.applyAsDouble(v) + 4, String.format(Locale.ROOT, "%.1f", v), 12, "end", "#000000");
            // the right axis shares the grid lines: ten steps of wrongMax / 10
            c.line(L + pw, py.applyAsDouble(v), L + pw + 5, py.applyAsDouble(v), WRONG_COLOUR, 1, Dash.SOLID);
            c.text(L + pw + 8, py.applyAsDouble(v) + 4, percent(v * wrongMax, wrongMax), 12, "start", WRONG_COLOUR);
        }
        int decimals = decimals(ticks);
        int every = Math.max(1, (int) Math.ceil(MIN_LABEL_SPACING / (pw / Math.max(1.0, ticks.length - 1.0))));
        for (int i = 0; i < ticks.length; i++) {
            double x = px.applyAsDouble(ticks[i]);
            boolean labelled = i % every == 0 || (i == ticks.length - 1 && (ticks.length - 1) % every >= every / 2.0);
            c.line(x, T + ph, x, T + ph + (labelled ? 6 : 3), "#000000", 1, Dash.SOLID);
            if (labelled) {
                c.text(x, T + ph + 20, String.format(Locale.ROOT, "%." + decimals + "f", ticks[i]), 12, "middle",
                        "#000000");
            }
        }
        c.line(L, T, L, T + ph, "#000000", 1, Dash.SOLID);
        c.line(L + pw, T, L + pw, T + ph, WRONG_COLOUR, 1, Dash.SOLID);
        c.line(L, T + ph, L + pw, T + ph, "#000000", 1, Dash.SOLID);
        c.text(L + pw / 2.0, H - 18, "Bayes barrier (ticks at the swept values)", 13, "middle", "#000000");
        c.text(18, T + ph / 2.0, "good prediction and saved messages rate [0:1]", 13, "vertical", "#000000");
        c.text(L + pw + 62, T + ph / 2.0, "wrong prediction rate", 13, "vertical", WRONG_COLOUR);

        String[] names = {"good prediction rate", "wrong prediction rate (right axis)", "saved messages rate"};
        String[] colours = {"#1f5fbf", WRONG_COLOUR, "#2e7d32"};
        List<String> modes = r.bayes().stream().map(row -> row.result().mode()).distinct().toList();
        double lx = L + pw + 80;
        int ly = T + 10;
        for (int m = 0; m < modes.size(); m++) {
            String mode = modes.get(m);
            Dash dash = m == 0 ? Dash.SOLID : Dash.DASHED;
            Marker marker = m == 0 ? Marker.CIRCLE : Marker.SQUARE;
            List<PolicyResult> rows = r.bayes().stream().map(Evaluation.Row::result)
                    .filter(p -> p.mode().equals(mode)).toList();
            for (int k = 0; k < 3; k++) {
                List<double[]> pts = new ArrayList<>();
                for (PolicyResult p : rows) {
                    double y = k == 0 ? py.applyAsDouble(p.good()) : k == 1 ? pyWrong.applyAsDouble(p.wrong())
                            : py.applyAsDouble(p.saved());
                    pts.add(new double[] {px.applyAsDouble(p.barrier()), y});
                }
                c.polyline(pts, colours[k], 2.2f, dash);
                for (double[] pt : pts) {
                    c.marker(pt[0], pt[1], colours[k], marker);
                }
                c.line(lx, ly, lx + 30, ly, colours[k], 2.2f, dash);
                c.marker(lx + 15, ly, colours[k], marker);
                c.text(lx + 36, ly + 4, names[k] + " (" + mode + ")", 11, "start", "#000000");
                ly += 17;
            }
        }
        ly += 8;
        String[] baseColours = {"#6d4c41", "#8e24aa", "#00838f", "#ef6c00", "#546e7a", "#000000"};
        Dash[] baseDashes = {Dash.DOTTED, Dash.DASH_DOT, Dash.LONG_DASH, Dash.DOTTED, Dash.DASH_DOT, Dash.LONG_DASH};
        java.util.Map<Long, List<PolicyResult>> bySaved = new java.util.LinkedHashMap<>();
        for (Evaluation.Row row : r.baselines()) {
            PolicyResult p = row.result();
            if (!p.policy().equals("replicate-all")) {
                bySaved.computeIfAbsent(Math.round(p.saved() * 1e6), k -> new ArrayList<>()).add(p);
            }
        }
        int bi = 0;
        for (List<PolicyResult> same : bySaved.values()) {
            String col = baseColours[bi % baseColours.length];
            Dash dash = baseDashes[bi++ % baseDashes.length];
            double saved = same.getFirst().saved();
            double y = py.applyAsDouble(Math.max(0, Math.min(1, saved)));
            c.line(L, y, L + pw, y, col, 1.4f, dash);
            c.line(lx, ly, lx + 30, ly, col, 1.4f, dash);
            String label = same.stream().map(PolicyResult::policy).collect(java.util.stream.Collectors.joining(" = "));
            for (String line : legendLines(String.format(Locale.ROOT, "%s saved %.3f", label, saved))) {
                c.text(lx + 36, ly + 4, line, 11, "start", "#000000");
                ly += 17;
            }
        }
    }

    /**
     * A legend entry broken at its " = " joins into lines of at most {@link #LEGEND_CHARS} characters, so that
     * baselines which save alike ("state-filter-tcp-only = defer-all = oracle saved 0.671") stay inside the image
     * (the entry ran past its right edge); a single name longer than that stays whole.
     */
    static List<String> legendLines(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String part : text.split(" = ", -1)) {
            if (line.isEmpty()) {
                line.append(part);
            } else if (line.length() + 3 + part.length() > LEGEND_CHARS) {
                lines.add(line.toString());
                line = new StringBuilder("= ").append(part);
            } else {
                line.append(" = ").append(part);
            }
        }
        lines.add(line.toString());
        return lines;
    }

    /** A rate on the wrong-prediction axis as a percentage with as many decimals as its top needs. */
    private static String percent(double v, double top) {
        int d = top >= 0.1 ? 0 : top >= 0.01 ? 1 : 2;
        return String.format(Locale.ROOT, "%." + d + "f %%", v * 100);
    }

    /** Line patterns: the modes (solid, dashed) and the baselines (one each). */
    enum Dash {
        SOLID(""), DASHED("9 6"), DOTTED("2 4"), DASH_DOT("8 4 2 4"), LONG_DASH("14 5");

        /** SVG's stroke-dasharray: dash and gap lengths in pixels, empty for a solid line. */
        private final String dashArray;

        Dash(String dashArray) {
            this.dashArray = dashArray;
        }

        /** The pattern for java.awt's BasicStroke, or null for a solid line. */
        float[] pattern() {
            if (dashArray.isEmpty()) {
                return null;
            }
            String[] parts = dashArray.split(" ", -1);
            float[] p = new float[parts.length];
            for (int i = 0; i < parts.length; i++) {
                p[i] = Float.parseFloat(parts[i]);
            }
            return p;
        }

        String svg() {
            return dashArray.isEmpty() ? "" : " stroke-dasharray=\"" + dashArray + "\"";
        }
    }

    /** Point markers: one shape per mode. */
    enum Marker { CIRCLE, SQUARE }

    /** The few drawing operations the plot needs. */
    private interface Canvas {
        void line(double x1, double y1, double x2, double y2, String colour, float width, Dash dash);

        void polyline(List<double[]> pts, String colour, float width, Dash dash);

        /** A filled circle, or a hollow square that leaves a circle at the same point visible inside it. */
        void marker(double x, double y, String colour, Marker shape);

        /** anchor: start, middle, end, or vertical (rotated −90°, centred). */
        void text(double x, double y, String s, int size, String anchor, String colour);
    }

    private record Java2d(Graphics2D g) implements Canvas {
        private void stroke(String colour, float width, Dash dash) {
            g.setColor(Color.decode(colour));
            g.setStroke(new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10, dash.pattern(), 0));
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String colour, float width, Dash dash) {
            stroke(colour, width, dash);
            g.draw(new java.awt.geom.Line2D.Double(x1, y1, x2, y2));
        }

        @Override
        public void polyline(List<double[]> pts, String colour, float width, Dash dash) {
            stroke(colour, width, dash);
            java.awt.geom.Path2D.Double p = new java.awt.geom.Path2D.Double();
            for (int i = 0; i < pts.size(); i++) {
                if (i == 0) {
                    p.moveTo(pts.get(i)[0], pts.get(i)[1]);
                } else {
                    p.lineTo(pts.get(i)[0], pts.get(i)[1]);
                }
            }
            g.draw(p);
        }

        @Override
        public void marker(double x, double y, String colour, Marker shape) {
            if (shape == Marker.CIRCLE) {
                g.setColor(Color.decode(colour));
                g.fill(new java.awt.geom.Ellipse2D.Double(x - 3, y - 3, 6, 6));
                return;
            }
            stroke(colour, 1.5f, Dash.SOLID);
            g.draw(new java.awt.geom.Rectangle2D.Double(x - 4.5, y - 4.5, 9, 9));
        }

        @Override
        public void text(double x, double y, String s, int size, String anchor, String colour) {
            g.setColor(Color.decode(colour));
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
            int w = g.getFontMetrics().stringWidth(s);
            if (anchor.equals("vertical")) {
                java.awt.geom.AffineTransform old = g.getTransform();
                g.translate(x, y);
                g.rotate(-Math.PI / 2);
                g.drawString(s, -w / 2f, 0);
                g.setTransform(old);
                return;
            }
            float dx = anchor.equals("middle") ? -w / 2f : anchor.equals("end") ? -w : 0;
            g.drawString(s, (float) x + dx, (float) y);
        }
    }

    private static final class Svg implements Canvas {
        private final StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                        + "font-family=\"DejaVu Sans, Arial, sans-serif\">%n<rect width=\"100%%\" height=\"100%%\" "
                        + "fill=\"white\"/>%n", W, H, W, H));

        @Override
        public void line(double x1, double y1, double x2, double y2, String colour, float width, Dash dash) {
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    + "stroke-width=\"%.1f\"%s/>%n", x1, y1, x2, y2, colour, width, dash.svg()));
        }

        @Override
        public void polyline(List<double[]> pts, String colour, float width, Dash dash) {
            sb.append("<polyline fill=\"none\" points=\"");
            for (double[] p : pts) {
                sb.append(String.format(Locale.ROOT, "%.1f,%.1f ", p[0], p[1]));
            }
            sb.append(String.format(Locale.ROOT, "\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>%n", colour, width,
                    dash.svg()));
        }

        @Override
        public void marker(double x, double y, String colour, Marker shape) {
            if (shape == Marker.CIRCLE) {
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x, y,
                        colour));
            } else {
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" "
                        + "fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>%n", x - 4.5, y - 4.5, colour));
            }
        }

        @Override
        public void text(double x, double y, String s, int size, String anchor, String colour) {
            String esc = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
            if (anchor.equals("vertical")) {
                sb.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"0\" font-size=\"%d\" fill=\"%s\" "
                        + "text-anchor=\"middle\" transform=\"translate(%.1f,%.1f) rotate(-90)\">%s</text>%n", size,
                        colour, x, y, esc));
                return;
            }
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" fill=\"%s\" "
                    + "text-anchor=\"%s\">%s</text>%n", x, y, size, colour, anchor, esc));
        }

        String finish() {
            return sb.append("</svg>\n").toString();
        }
    }
}
