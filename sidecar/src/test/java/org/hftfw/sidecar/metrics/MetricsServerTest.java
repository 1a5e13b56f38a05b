package org.hftfw.sidecar.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.sync.MetricsRegistry;
import org.junit.jupiter.api.Test;

/** The HTTP endpoint serves the registry's text. */
class MetricsServerTest {
    /** The loop the server runs on (the daemon's FT-FW loop) and the thread that renders (its timer thread). */
    private static io.netty.channel.EventLoopGroup loop;
    private static java.util.concurrent.ExecutorService render;

    @org.junit.jupiter.api.BeforeAll
    static void startLoop() {
        loop = new io.netty.channel.MultiThreadIoEventLoopGroup(1, io.netty.channel.nio.NioIoHandler.newFactory());
        render = java.util.concurrent.Executors.newSingleThreadExecutor();
    }

    @org.junit.jupiter.api.AfterAll
    static void stopLoop() {
        render.shutdownNow();
        loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static MetricsServer start(MetricsRegistry reg) throws java.io.IOException {
        return MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), reg, loop.next(), render);
    }

    /** The daemon's FT-FW loop is an epoll one where epoll exists: the server picks the matching channel. */
    @Test
    void servesOnAnEpollLoopToo() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(), "no epoll here");
        io.netty.channel.EventLoopGroup epoll = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                io.netty.channel.epoll.EpollIoHandler.newFactory());
        try (MetricsServer server = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new MetricsRegistry().gauge("up_gauge", "1", () -> 1), epoll.next(), render)) {
            assertTrue(exchange(server.address().getPort(), "GET /metrics HTTP/1.1\r\n\r\n").endsWith("up_gauge 1\n"));
        } finally {
            epoll.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }


    @Test
    void servesPrometheusTextOnLoopback() throws Exception {
        AtomicLong sent = new AtomicLong(41);
        Map<String, Integer> perState = new LinkedHashMap<>();
        perState.put("ESTABLISHED", 3);
        perState.put("SYN_\"RECV\"", 1);
        MetricsRegistry reg = new MetricsRegistry()
                .counter("hftfw_sync_messages_sent_total", "FT-FW messages sent", sent::get)
                .gauge("hftfw_lazy_saved_ratio", "share of replication messages saved", () -> 0.4375)
                .gauges("hftfw_lazy_held", "held back updates per state", "state", () -> perState);
        sent.incrementAndGet();
        try (MetricsServer server = start(reg)) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.address().getPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            String body = r.body();
            assertTrue(body.contains("# TYPE hftfw_sync_messages_sent_total counter\nhftfw_sync_messages_sent_total 42\n"), body);
            assertTrue(body.contains("hftfw_lazy_saved_ratio 0.437500\n"), body);
            assertTrue(body.contains("hftfw_lazy_held{state=\"ESTABLISHED\"} 3\n"), body);
            assertTrue(body.contains("hftfw_lazy_held{state=\"SYN_\\\"RECV\\\"\"} 1\n"), body);
        }
    }

    @Test
    void aClientThatNeverFinishesItsHeadersDoesNotBlockTheNextScrape() throws Exception {
        MetricsRegistry reg = new MetricsRegistry().gauge("up_gauge", "1", () -> 1);
        try (MetricsServer server = start(reg);
             java.net.Socket slow = new java.net.Socket(InetAddress.getLoopbackAddress(), server.address().getPort())) {
            slow.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            slow.getOutputStream().flush();
            HttpClient client = HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();
            // well under MAX_REQUEST_SECONDS: the scrape is served while the slow client still holds its connection
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.address().getPort() + "/metrics")).timeout(java.time.Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("up_gauge 1"), r.body());
            // and the slow one is cut off by the server instead of being held for ever
            slow.setSoTimeout((MetricsServer.MAX_REQUEST_SECONDS + 20) * 1000);
            assertEquals(-1, slow.getInputStream().read(), "the server closes a request that never completes");
        }
    }

    @Test
    void onlyGetAndHeadOfMetricsAreServedAndOversizedHeadersAreRefused() throws Exception {
        MetricsRegistry reg = new MetricsRegistry().gauge("up_gauge", "1", () -> 1);
        try (MetricsServer server = start(reg)) {
            int port = server.address().getPort();
            assertTrue(exchange(port, "GET /other HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 404 "));
            String post = exchange(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
            assertTrue(post.startsWith("HTTP/1.1 405 ") && post.contains("Allow: GET, HEAD"), post);
            String head = exchange(port, "HEAD /metrics HTTP/1.0\r\n\r\n");
            assertTrue(head.startsWith("HTTP/1.1 200 ") && head.endsWith("\r\n\r\n"), "no body for HEAD: " + head);
            assertTrue(exchange(port, "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n").endsWith("up_gauge 1\n"));
            assertTrue(exchange(port, "garbage\r\n\r\n").startsWith("HTTP/1.1 400 "));
            String huge = "GET /metrics HTTP/1.1\r\nX: " + "a".repeat(MetricsServer.MAX_REQUEST_BYTES) + "\r\n\r\n";
            assertTrue(exchange(port, huge).startsWith("HTTP/1.1 431 "));
        }
    }

    /**
     * One local process holding every slot with idle connections cannot keep a scrape out: the scrape closes the
     * oldest idle connection and is answered while the others stay open (issue 14 review G8).
     */
    @Test
    void idleConnectionsHoldingEverySlotCannotKeepAScrapeOut() throws Exception {
        MetricsRegistry reg = new MetricsRegistry().gauge("up_gauge", "1", () -> 1);
        try (MetricsServer server = start(reg)) {
            int port = server.address().getPort();
            java.util.List<java.net.Socket> idle = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < MetricsServer.MAX_CONNECTIONS; i++) {
                    idle.add(new java.net.Socket(InetAddress.getLoopbackAddress(), port));
                }
                assertTrue(exchange(port, "GET /metrics HTTP/1.1\r\n\r\n").endsWith("up_gauge 1\n"),
                        "a scrape is answered while 64 idle connections are open");
                java.net.Socket oldest = idle.getFirst();
                oldest.setSoTimeout(10_000);
                int first;
                try {
                    first = oldest.getInputStream().read();
                } catch (java.net.SocketException reset) {
                    first = -1;
                }
                assertEquals(-1, first, "the oldest idle connection made room");
                for (int i = 0; i < MetricsServer.MAX_CONNECTIONS; i++) {   // the holder reopens as fast as it can
                    idle.add(new java.net.Socket(InetAddress.getLoopbackAddress(), port));
                    assertTrue(exchange(port, "GET /metrics HTTP/1.1\r\n\r\n").endsWith("up_gauge 1\n"), "scrape " + i);
                }
            } finally {
                for (java.net.Socket s : idle) {
                    s.close();
                }
            }
        }
    }

    /** One raw request on its own connection; the whole response, read until the server closes. */
    private static String exchange(int port, String request) throws java.io.IOException {
        try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
