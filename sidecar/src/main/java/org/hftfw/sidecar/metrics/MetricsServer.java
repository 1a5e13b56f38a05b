package org.hftfw.sidecar.metrics;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import org.hftfw.sync.MetricsRegistry;

/**
 * Serves {@code GET /metrics} (Prometheus text format) on the configured address, by default loopback only:
 * the metrics of a firewall are not for the world. Uses the JDK's built-in HTTP server on one thread.
 */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;
    private final java.util.concurrent.ExecutorService executor;

    private MetricsServer(HttpServer server, java.util.concurrent.ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static MetricsServer start(InetSocketAddress bind, MetricsRegistry registry) throws IOException {
        HttpServer http = HttpServer.create(bind, 16);
        http.createContext("/metrics", exchange -> {
            try (exchange) {
                if (!"GET".equals(exchange.getRequestMethod())) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        var executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("metrics-http").unstarted(r));
        http.setExecutor(executor);
        http.start();
        return new MetricsServer(http, executor);
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();                           // HttpServer.stop leaves a caller-supplied executor running
    }
}
