package io.ballast.launcher.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tiny HTTP backend for demos and end-to-end tests. Every answer but {@code /healthz}
 * starts with the backend's name on its own line, so that a client can see which backend a
 * load balancer chose; the following lines echo the method and path, the {@code Host} and
 * the {@code X-Forwarded-For} the backend saw. {@code GET /healthz} answers {@code 200 ok}.
 *
 * <p>Requests are served by a fixed pool of threads. {@link #close} may be called from any
 * thread (the shutdown hook) and is idempotent.
 */
public final class DemoBackend implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoBackend.class);
    private static final int THREADS = 8;

    private final DemoBackendConfig config;
    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DemoBackend(DemoBackendConfig config, HttpServer server, ExecutorService executor) {
        this.config = config;
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds and starts serving.
     *
     * @throws IllegalStateException when the address cannot be bound (e.g. in use)
     */
    public static DemoBackend start(DemoBackendConfig config) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(config.listen().host(), config.listen().port()), 128);
        } catch (IOException e) {
            throw new IllegalStateException("demo backend " + config.name() + " cannot listen on " + config.listen()
                    + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, runnable -> {
            Thread thread = new Thread(runnable, "demo-backend-" + config.name());
            thread.setDaemon(true);
            return thread;
        });
        DemoBackend backend = new DemoBackend(config, server, executor);
        server.createContext("/", backend::handle);
        server.setExecutor(executor);
        server.start();
        log.info("demo backend {} listening on {}", config.name(), backend.address());
        return backend;
    }

    /** The bound address (the real port when the configured one was 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    public String name() {
        return config.name();
    }

    private void handle(HttpExchange exchange) {
        try (InputStream body = exchange.getRequestBody()) {
            // Read to the end so that the connection can be reused; the content is not needed.
            body.transferTo(OutputStream.nullOutputStream());
            String path = exchange.getRequestURI().getRawPath();
            String text;
            if (path.equals("/healthz")) {
                text = "ok\n";
            } else {
                String forwardedFor = exchange.getRequestHeaders().getFirst("X-Forwarded-For");
                String host = exchange.getRequestHeaders().getFirst("Host");
                text = config.name() + "\n"
                        + exchange.getRequestMethod() + " " + exchange.getRequestURI() + "\n"
                        + "host: " + (host == null ? "" : host) + "\n"
                        + "x-forwarded-for: " + (forwardedFor == null ? "" : forwardedFor) + "\n";
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.getResponseHeaders().set("X-Backend", config.name());
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(200, -1);
            } else {
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        } catch (IOException e) {
            // The client went away mid-answer; nothing to do for a demo backend.
            log.debug("request failed: {}", e.toString());
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdown();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        log.info("demo backend {} stopped", config.name());
    }
}
