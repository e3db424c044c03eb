package io.ballast.node.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ballast.node.metrics.NodeMetrics;
import io.ballast.node.snapshot.AppliedState;
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
 * The node's local admin HTTP endpoint (like Envoy's admin port), for operators and tests:
 * <ul>
 *   <li>{@code GET /snapshot}: the applied snapshot as JSON (see {@link SnapshotJson}); 404 before the first one.</li>
 *   <li>{@code GET /healthz}: 200 {@code ok} while the process runs.</li>
 *   <li>{@code GET /ready}: 200 {@code ready} once a snapshot is applied (from the control plane or the
 *       state directory), else 503 {@code no snapshot applied}.</li>
 *   <li>{@code GET /metrics}: every {@link NodeMetrics} metric in the Prometheus text format 0.0.4.</li>
 * </ul>
 *
 * <p>Not on the data path: the JDK's HTTP server on one daemon thread. Handlers only read the
 * applier's published state, so they never wait for ZooKeeper, gRPC or an apply in progress.
 * Bind it to loopback (the default): it has no authentication.
 */
public final class NodeAdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeAdminServer.class);

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<AppliedState> state;
    private final NodeMetrics metrics;

    private NodeAdminServer(HttpServer server, ExecutorService executor, Supplier<AppliedState> state,
            NodeMetrics metrics) {
        this.server = server;
        this.executor = executor;
        this.state = state;
        this.metrics = metrics;
    }

    /**
     * Binds {@code address} (port 0 lets the kernel choose) and starts serving.
     *
     * @throws IllegalStateException naming the address and the cause when it cannot be bound
     */
    public static NodeAdminServer start(InetSocketAddress address, Supplier<AppliedState> state) {
        return start(address, state, new NodeMetrics());
    }

    /** Like {@link #start(InetSocketAddress, Supplier)}, serving {@code metrics} at {@code /metrics}. */
    public static NodeAdminServer start(InetSocketAddress address, Supplier<AppliedState> state, NodeMetrics metrics) {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(metrics, "metrics");
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new IllegalStateException("admin: cannot bind " + address + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ballast-node-admin");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        NodeAdminServer admin = new NodeAdminServer(server, executor, state, metrics);
        server.createContext("/", admin::handle);
        server.start();
        log.info("admin endpoint on http://{}", admin.localAddress());
        return admin;
    }

    public InetSocketAddress localAddress() {
        return server.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("GET")) {
                respond(exchange, 405, "text/plain", "method not allowed\n");
                return;
            }
            AppliedState current = state.get();
            switch (path) {
                case "/healthz" -> respond(exchange, 200, "text/plain", "ok\n");
                case "/ready" -> {
                    if (current.hasSnapshot()) {
                        respond(exchange, 200, "text/plain", "ready\n");
                    } else {
                        respond(exchange, 503, "text/plain", "no snapshot applied\n");
                    }
                }
                case "/snapshot" -> snapshot(exchange, current);
                case "/metrics" -> respond(exchange, 200, "text/plain; version=0.0.4", metrics.scrape());
                default -> respond(exchange, 404, "text/plain", "not found; try /snapshot, /healthz, /ready or /metrics\n");
            }
        }
    }

    private static void snapshot(HttpExchange exchange, AppliedState current) throws IOException {
        String body;
        try {
            body = SnapshotJson.render(current);
        } catch (IllegalStateException e) {
            log.warn("GET /snapshot failed", e);
            respond(exchange, 500, "text/plain", e.getMessage() + "\n");
            return;
        }
        respond(exchange, current.hasSnapshot() ? 200 : 404, "application/json", body);
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType + "; charset=utf-8");
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
