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
 * The barrier plot of {@code hftfw evaluate --plot}, after the hFT-FW paper's Fig. 6 and Fig. 10: good prediction,
 * wrong prediction and saved-message rates [0:1] against the Bayes barrier, one set of lines per mode (DROP solid,
 * DEFER dashed), and the baselines' saved rates as horizontal dotted lines. Drawn by hand (a dozen lines and some
 * text do not need a charting library) through one small {@link Canvas} with two back ends: Java2D for PNG
 * (headless) and SVG text. The format follows the file name: {@code .svg} or anything else = PNG.
 */
public final class BarrierPlot {
    private static final int W = 900;
    private static final int H = 560;
    private static final int L = 70;
    private static final int R = 230;
    private static final int T = 50;
    private static final int B = 60;

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

    private static void draw(Evaluation.Report r, String title, Canvas c) {
        double xmin = Double.MAX_VALUE;
        double xmax = -Double.MAX_VALUE;
        for (Evaluation.Row row : r.bayes()) {
            xmin = Math.min(xmin, row.result().barrier());
            xmax = Math.max(xmax, row.result().barrier());
        }
        if (xmax - xmin < 1e-9) {
            xmin = Math.max(0, xmin - 0.05);
            xmax = Math.min(1, xmax + 0.05);
        }
        double x0 = xmin;
        double x1 = xmax;
        int pw = W - L - R;
        int ph = H - T - B;
        java.util.function.DoubleUnaryOperator px = v -> L + (v - x0) / (x1 - x0) * pw;
        java.util.function.DoubleUnaryOperator py = v -> T + (1 - v) * ph;
        c.text(L + pw / 2.0, 28, title, 16, "middle", "#000000");
        for (int i = 0; i <= 10; i++) {
            double v = i / 10.0;
            c.line(L, py.applyAsDouble(v), L + pw, py.applyAsDouble(v), "#e4e4e4", 1, false, false);
            c.text(L - 8, py.applyAsDouble(v) + 4, String.format(Locale.ROOT, "%.1f", v), 12, "end", "#000000");
        }
        int ticks = 5;
        for (int i = 0; i <= ticks; i++) {
            double v = x0 + (x1 - x0) * i / ticks;
            c.line(px.applyAsDouble(v), T + ph, px.applyAsDouble(v), T + ph + 5, "#000000", 1, false, false);
            c.text(px.applyAsDouble(v), T + ph + 20, String.format(Locale.ROOT, "%.3f", v), 12, "middle", "#000000");
        }
        c.line(L, T, L, T + ph, "#000000", 1, false, false);
        c.line(L, T + ph, L + pw, T + ph, "#000000", 1, false, false);
        c.text(L + pw / 2.0, H - 18, String.format(Locale.ROOT, "Bayes barrier [%.3f:%.3f]", x0, x1), 13, "middle",
                "#000000");
        c.text(18, T + ph / 2.0, "rate [0:1]", 13, "vertical", "#000000");

        String[] names = {"good prediction rate", "wrong prediction rate", "saved messages rate"};
        String[] colours = {"#1f5fbf", "#c62828", "#2e7d32"};
        List<String> modes = r.bayes().stream().map(row -> row.result().mode()).distinct().toList();
        int ly = T + 10;
        for (int m = 0; m < modes.size(); m++) {
            String mode = modes.get(m);
            List<PolicyResult> rows = r.bayes().stream().map(Evaluation.Row::result)
                    .filter(p -> p.mode().equals(mode)).toList();
            for (int k = 0; k < 3; k++) {
                List<double[]> pts = new ArrayList<>();
                for (PolicyResult p : rows) {
                    double v = k == 0 ? p.good() : k == 1 ? p.wrong() : p.saved();
                    pts.add(new double[] {px.applyAsDouble(p.barrier()), py.applyAsDouble(v)});
                }
                c.polyline(pts, colours[k], 2.2f, m == 1);
                for (double[] pt : pts) {
                    c.dot(pt[0], pt[1], colours[k]);
                }
                c.line(L + pw + 15, ly, L + pw + 45, ly, colours[k], 2.2f, m == 1, false);
                c.text(L + pw + 50, ly + 4, names[k] + " (" + mode + ")", 11, "start", "#000000");
                ly += 17;
            }
        }
        ly += 8;
        String[] baseColours = {"#6d4c41", "#8e24aa", "#00838f", "#ef6c00", "#546e7a", "#000000"};
        int bi = 0;
        for (Evaluation.Row row : r.baselines()) {
            PolicyResult p = row.result();
            if (p.policy().equals("replicate-all")) {
                continue;
            }
            String col = baseColours[bi++ % baseColours.length];
            double y = py.applyAsDouble(Math.max(0, Math.min(1, p.saved())));
            c.line(L, y, L + pw, y, col, 1.4f, false, true);
            c.line(L + pw + 15, ly, L + pw + 45, ly, col, 1.4f, false, true);
            c.text(L + pw + 50, ly + 4, String.format(Locale.ROOT, "%s saved %.2f", p.policy(), p.saved()), 11, "start",
                    "#000000");
            ly += 17;
        }
    }

    /** The few drawing operations the plot needs. */
    private interface Canvas {
        void line(double x1, double y1, double x2, double y2, String colour, float width, boolean dashed,
                  boolean dotted);

        void polyline(List<double[]> pts, String colour, float width, boolean dashed);

        void dot(double x, double y, String colour);

        /** anchor: start, middle, end, or vertical (rotated −90°, centred). */
        void text(double x, double y, String s, int size, String anchor, String colour);
    }

    private record Java2d(Graphics2D g) implements Canvas {
        private void stroke(String colour, float width, boolean dashed, boolean dotted) {
            g.setColor(Color.decode(colour));
            float[] dash = dashed ? new float[] {9, 6} : dotted ? new float[] {2, 4} : null;
            g.setStroke(new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10, dash, 0));
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String colour, float width, boolean dashed,
                         boolean dotted) {
            stroke(colour, width, dashed, dotted);
            g.draw(new java.awt.geom.Line2D.Double(x1, y1, x2, y2));
        }

        @Override
        public void polyline(List<double[]> pts, String colour, float width, boolean dashed) {
            stroke(colour, width, dashed, false);
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
        public void dot(double x, double y, String colour) {
            g.setColor(Color.decode(colour));
            g.fill(new java.awt.geom.Ellipse2D.Double(x - 2.5, y - 2.5, 5, 5));
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

        private static String dash(boolean dashed, boolean dotted) {
            return dashed ? " stroke-dasharray=\"9 6\"" : dotted ? " stroke-dasharray=\"2 4\"" : "";
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String colour, float width, boolean dashed,
                         boolean dotted) {
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    + "stroke-width=\"%.1f\"%s/>%n", x1, y1, x2, y2, colour, width, dash(dashed, dotted)));
        }

        @Override
        public void polyline(List<double[]> pts, String colour, float width, boolean dashed) {
            sb.append("<polyline fill=\"none\" points=\"");
            for (double[] p : pts) {
                sb.append(String.format(Locale.ROOT, "%.1f,%.1f ", p[0], p[1]));
            }
            sb.append(String.format(Locale.ROOT, "\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>%n", colour, width,
                    dash(dashed, false)));
        }

        @Override
        public void dot(double x, double y, String colour) {
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>%n", x, y,
                    colour));
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
