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
 * the metrics of a firewall are not for the world. Uses the JDK's built-in HTTP server.
 *
 * <p>Design note. The JDK server reads a request's headers on the executor's thread, so with one platform thread a
 * client that connects and never finishes its headers held every other scrape off for as long as it liked. Each
 * exchange now runs on its own virtual thread (no thread cost while a client dawdles), the server closes a request
 * that is not complete within {@link #MAX_REQUEST_SECONDS} and holds at most {@link #MAX_CONNECTIONS} connections,
 * so neither a slow client nor many of them can starve the monitoring system or grow the process.
 */
public final class MetricsServer implements AutoCloseable {
    static final int MAX_REQUEST_SECONDS = 5;
    static final int MAX_CONNECTIONS = 64;

    static {
        // read once by the JDK server's configuration class, before the first server is created; an operator's own
        // -D setting wins
        System.setProperty("sun.net.httpserver.maxReqTime",
                System.getProperty("sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS)));
        System.setProperty("sun.net.httpserver.maxRspTime",
                System.getProperty("sun.net.httpserver.maxRspTime", Integer.toString(MAX_REQUEST_SECONDS)));
        System.setProperty("jdk.httpserver.maxConnections",
                System.getProperty("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS)));
    }

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
        var executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("metrics-http-", 0).factory());
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
