package io.ballast.e2e.chaos;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP backend in the test JVM whose answers to everything but {@code /healthz} can be
 * switched to another status at run time (a backend whose health check passes while its real
 * traffic fails: what only passive outlier detection catches). Answers name it in
 * {@code X-Backend} and the body's first line, as the demo backend does. Thread-safe;
 * {@link #close} stops it.
 */
final class SwitchableBackend implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread thread = new Thread(r, "switchable-backend");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong requests = new AtomicLong();
    private volatile int status = 200;

    SwitchableBackend(String name, String host) {
        try {
            server = HttpServer.create(new InetSocketAddress(host, 0), 128);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            boolean health = exchange.getRequestURI().getPath().equals("/healthz");
            if (!health) {
                requests.incrementAndGet();
            }
            byte[] body = (name + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("X-Backend", name);
            exchange.sendResponseHeaders(health ? 200 : status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    String address() {
        return server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    /** The status of every answer but {@code /healthz} from now on. */
    void respondWith(int status) {
        this.status = status;
    }

    /** Requests other than health checks so far. */
    long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
