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
        try (MetricsServer server = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), reg)) {
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
        try (MetricsServer server = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), reg);
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
}
