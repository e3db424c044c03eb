package io.ballast.common.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tiny HTTP endpoint for Prometheus: {@code GET /metrics} answers 200 with the text of
 * {@code scrape} in the Prometheus text format 0.0.4; every other path is 404, every other method
 * 405. Used by the control plane's and the agent's {@code --metrics host:port}.
 *
 * <p>Threading: the JDK's HTTP server on one daemon thread named {@code threadName}; {@code scrape}
 * runs there, so it must be thread-safe (a Micrometer registry's {@code scrape()} is). Not
 * authenticated: bind it to loopback or a monitoring network. {@link #close} is idempotent.
 */
public final class MetricsHttpServer implements AutoCloseable {

    /** The Content-Type of the Prometheus text exposition format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Logger log = LoggerFactory.getLogger(MetricsHttpServer.class);

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<String> scrape;

    private MetricsHttpServer(HttpServer server, ExecutorService executor, Supplier<String> scrape) {
        this.server = server;
        this.executor = executor;
        this.scrape = scrape;
    }

    /**
     * Binds {@code address} (port 0 lets the kernel choose; an unresolved address is resolved) and
     * starts serving.
     *
     * @throws IllegalStateException naming the address and the cause when it cannot be bound
     */
    public static MetricsHttpServer start(InetSocketAddress address, Supplier<String> scrape, String threadName) {
        Objects.requireNonNull(scrape, "scrape");
        InetSocketAddress bind = address.isUnresolved()
                ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
        HttpServer server;
        try {
            server = HttpServer.create(bind, 16);
        } catch (IOException e) {
            throw new IllegalStateException("metrics: cannot bind " + address.getHostString() + ":" + address.getPort()
                    + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        MetricsHttpServer metrics = new MetricsHttpServer(server, executor, scrape);
        server.createContext("/", metrics::handle);
        server.start();
        log.info("metrics on http://{}/metrics", metrics.localAddress());
        return metrics;
    }

    public InetSocketAddress localAddress() {
        return server.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            if (!exchange.getRequestMethod().equals("GET")) {
                respond(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
            } else if (!exchange.getRequestURI().getPath().equals("/metrics")) {
                respond(exchange, 404, "text/plain; charset=utf-8", "not found; try /metrics\n");
            } else {
                respond(exchange, 200, CONTENT_TYPE, scrape.get());
            }
        } catch (RuntimeException e) {
            log.warn("GET /metrics failed", e);
            throw e;
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
