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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tiny HTTP backend for demos and end-to-end tests. Every answer but {@code /healthz} and
 * {@code /ballast/load} starts with the backend's name on its own line, so that a client can
 * see which backend a load balancer chose; the following lines echo the method and path, the
 * {@code Host} and the {@code X-Forwarded-For} the backend saw. {@code GET /healthz} answers
 * {@code 200 ok}.
 *
 * <p>{@code GET /ballast/load} reports the backend's own load for an agent's {@code --load-url},
 * ORCA style: {@code {"qps": q, "utilization": u, "inFlight": n}}, where {@code q} is the rate
 * of requests over the last {@value RequestRate#WINDOW_SECONDS} seconds, {@code u} is
 * {@code min(1, q x costMillis / 1000)} and {@code n} the requests being served. Neither
 * {@code /ballast/load} nor the health checks on {@code /healthz} count as requests there.
 *
 * <p>Requests are served by a fixed pool of threads. {@link #close} may be called from any
 * thread (the shutdown hook) and is idempotent.
 */
public final class DemoBackend implements AutoCloseable {

    static {
        // The JDK server writes headers and body in separate segments; without TCP_NODELAY every
        // response waits out the peer's delayed ACK (~40 ms). Read once, when the server class loads.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final Logger log = LoggerFactory.getLogger(DemoBackend.class);
    private static final int THREADS = 8;
    /** Where the backend reports its own load. */
    public static final String LOAD_PATH = "/ballast/load";
    private static final String HEALTH_PATH = "/healthz";

    private final DemoBackendConfig config;
    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final RequestRate rate = new RequestRate(System::nanoTime);
    private final AtomicInteger inFlight = new AtomicInteger();

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

    /** The answer of {@code GET /ballast/load} now. */
    String loadJson() {
        double qps = rate.perSecond();
        double utilization = Math.min(1.0, qps * config.costMillis() / 1000);
        return "{\"qps\": " + qps + ", \"utilization\": " + utilization + ", \"inFlight\": " + inFlight.get() + "}";
    }

    /**
     * {@code ?delay-ms=N} (0..60000) holds the answer N ms, as a slow request would (drain tests,
     * demos of graceful drain); anything else in the query is ignored.
     */
    private static void delay(String query) {
        if (query == null) {
            return;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("delay-ms=")) {
                try {
                    long millis = Math.max(0, Math.min(60_000, Long.parseLong(pair.substring("delay-ms=".length()))));
                    Thread.sleep(millis); // the simulated work itself, on this request's own thread
                } catch (NumberFormatException ignored) {
                    // not a number: no delay
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private void handle(HttpExchange exchange) {
        String path = exchange.getRequestURI().getRawPath();
        boolean counted = !path.equals(LOAD_PATH) && !path.equals(HEALTH_PATH);
        if (counted) {
            rate.record();
            inFlight.incrementAndGet();
        }
        try (InputStream body = exchange.getRequestBody()) {
            // Read to the end so that the connection can be reused; the content is not needed.
            body.transferTo(OutputStream.nullOutputStream());
            String text;
            String contentType = "text/plain; charset=utf-8";
            if (path.equals(HEALTH_PATH)) {
                text = "ok\n";
            } else if (path.equals(LOAD_PATH)) {
                text = loadJson();
                contentType = "application/json";
            } else {
                delay(exchange.getRequestURI().getRawQuery());
                String forwardedFor = exchange.getRequestHeaders().getFirst("X-Forwarded-For");
                String host = exchange.getRequestHeaders().getFirst("Host");
                text = config.name() + "\n"
                        + exchange.getRequestMethod() + " " + exchange.getRequestURI() + "\n"
                        + "host: " + (host == null ? "" : host) + "\n"
                        + "x-forwarded-for: " + (forwardedFor == null ? "" : forwardedFor) + "\n";
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
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
            if (counted) {
                inFlight.decrementAndGet();
            }
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

    /**
     * Requests per second over a sliding window of the last {@value #WINDOW_SECONDS} seconds (the
     * current one included), counted in one-second buckets. Lock-free: each bucket is one
     * {@code long} holding its second (high 32 bits) and its count (low 32 bits), so a bucket
     * is reset and counted in one compare-and-set.
     */
    static final class RequestRate {
        static final int WINDOW_SECONDS = 5;
        private static final long SECOND_NANOS = 1_000_000_000L;
        private static final long COUNT_MASK = 0xFFFF_FFFFL;

        private final LongSupplier nanoTime;
        private final long startNanos;
        private final AtomicLongArray buckets = new AtomicLongArray(WINDOW_SECONDS);

        RequestRate(LongSupplier nanoTime) {
            this.nanoTime = nanoTime;
            this.startNanos = nanoTime.getAsLong();
        }

        void record() {
            long second = (nanoTime.getAsLong() - startNanos) / SECOND_NANOS;
            int index = (int) (second % WINDOW_SECONDS);
            long bucket;
            long next;
            do {
                bucket = buckets.get(index);
                next = bucket >>> 32 == second ? bucket + 1 : second << 32 | 1;
            } while (!buckets.compareAndSet(index, bucket, next));
        }

        /**
         * Requests counted in the window, divided by the time the window covers: the whole
         * seconds before the current one plus its elapsed part, at most since the start and at
         * least one second (so that a burst just after the start is not a huge rate).
         */
        double perSecond() {
            long elapsed = nanoTime.getAsLong() - startNanos;
            long current = elapsed / SECOND_NANOS;
            long count = 0;
            for (int i = 0; i < WINDOW_SECONDS; i++) {
                long bucket = buckets.get(i);
                long second = bucket >>> 32;
                if (second <= current && second > current - WINDOW_SECONDS) {
                    count += bucket & COUNT_MASK;
                }
            }
            long covered = Math.min(elapsed, (WINDOW_SECONDS - 1) * SECOND_NANOS + elapsed % SECOND_NANOS);
            return count / (Math.max(covered, SECOND_NANOS) / (double) SECOND_NANOS);
        }
    }
}
