package io.ballast.e2e.chaos;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * An open-loop load client: it starts one {@code GET} every {@code 1/rate} seconds whatever the
 * previous requests are doing (a slow cluster does not slow the client down, as real users do
 * not wait for each other), each on its own thread, spread round robin over the nodes as DNS
 * with several A records would. Every request is logged: start, latency, node, status or
 * error, the backend that answered.
 *
 * <p><b>Client-side failover</b>, as any HA client of a multi-node cluster does: when the
 * connect to a node is refused, or a <em>reused</em> keep-alive connection ends before any
 * response byte, the request goes to the next node (at most once per node). Such re-tries are
 * counted in {@link Request#clientRetries}; a request whose every try failed counts as failed.
 * A timeout, a reset after response bytes, or any non-200 status is a failure, never retried.
 *
 * <p>Thread-safe. {@link #close} stops sending and waits (bounded) for the requests in flight.
 */
final class OpenLoopClient implements AutoCloseable {

    /** One logged request. {@code status} 0 means no response; {@code error} is null on a response. */
    record Request(long seq, long startNanos, long latencyNanos, String node, int status, String backend, String error,
                   int clientRetries, String path) {
        boolean failed() {
            return error != null || status != 200;
        }

        long endNanos() {
            return startNanos + latencyNanos;
        }
    }

    private final List<String> nodes;
    private final String path;
    private final int timeoutMillis;
    private final long periodNanos;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "load-ticker"));
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> daemon(r, "load-worker"));
    private final Map<String, ConcurrentLinkedDeque<HttpConnection>> pools = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Request> log = new ConcurrentLinkedQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private final long startedNanos = System.nanoTime();

    /**
     * @param nodes proxy addresses host:port
     * @param ratePerSecond requests started per second, 1..1000
     * @param path the request path (e.g. {@code /} or {@code /slow?delay-ms=2000})
     * @param timeoutMillis longest silence while waiting for a response before the request fails
     */
    OpenLoopClient(List<String> nodes, int ratePerSecond, String path, int timeoutMillis) {
        if (ratePerSecond < 1 || ratePerSecond > 1000) {
            throw new IllegalArgumentException("ratePerSecond: " + ratePerSecond + " (expected: 1..1000)");
        }
        this.nodes = List.copyOf(nodes);
        this.path = path;
        this.timeoutMillis = timeoutMillis;
        this.periodNanos = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
        for (String node : nodes) {
            pools.put(node, new ConcurrentLinkedDeque<>());
        }
        ticker.scheduleAtFixedRate(this::fire, 0, periodNanos, TimeUnit.NANOSECONDS);
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    private void fire() {
        long seq = sequence.getAndIncrement();
        inFlight.incrementAndGet();
        workers.execute(() -> {
            try {
                log.add(send(seq, path, (int) (seq % nodes.size())));
            } finally {
                inFlight.decrementAndGet();
            }
        });
    }

    /**
     * Sends one extra request now, outside the schedule (e.g. a slow one), first to node
     * {@code nodeIndex}, logged like the others.
     */
    void sendOne(String extraPath, int nodeIndex) {
        long seq = sequence.getAndIncrement();
        inFlight.incrementAndGet();
        workers.execute(() -> {
            try {
                log.add(send(seq, extraPath, nodeIndex));
            } finally {
                inFlight.decrementAndGet();
            }
        });
    }

    private Request send(long seq, String requestPath, int first) {
        long start = System.nanoTime();
        int retries = 0;
        String lastError = null;
        String node = nodes.get(first);
        for (int i = 0; i < nodes.size(); i++) {
            node = nodes.get((first + i) % nodes.size());
            HttpConnection connection = pools.get(node).pollFirst();
            try {
                if (connection == null) {
                    connection = HttpConnection.open(node, 1_000);
                }
            } catch (ConnectException e) {
                lastError = "connect: " + e.getMessage();
                retries++;
                continue; // refused: nothing was sent, another node may take it
            } catch (IOException e) {
                return new Request(seq, start, System.nanoTime() - start, node, 0, null, "connect: " + e, retries, requestPath);
            }
            boolean reused = connection.reused();
            try {
                HttpConnection.Response response = connection.get(requestPath, "web", timeoutMillis);
                if (response.keepAlive()) {
                    pools.get(node).addFirst(connection);
                } else {
                    connection.close();
                }
                return new Request(seq, start, System.nanoTime() - start, node, response.status(), response.backend(), null,
                        retries, requestPath);
            } catch (HttpConnection.NoResponseException e) {
                connection.close();
                if (!reused) {
                    return new Request(seq, start, System.nanoTime() - start, node, 0, null, "no response: " + e.getMessage(),
                            retries, requestPath);
                }
                lastError = "stale connection: " + e.getMessage();
                retries++; // a reused connection closed before any response: the next node
            } catch (IOException | RuntimeException e) {
                connection.close();
                return new Request(seq, start, System.nanoTime() - start, node, 0, null, e.toString(), retries, requestPath);
            }
        }
        return new Request(seq, start, System.nanoTime() - start, node, 0, null, "every node failed, last: " + lastError,
                retries, requestPath);
    }

    /** Requests logged so far (finished ones). */
    List<Request> requests() {
        return new ArrayList<>(log);
    }

    /** Finished requests that started at or after {@code nanos}. */
    long count(long sinceNanos, Predicate<Request> filter) {
        return log.stream().filter(r -> r.startNanos() >= sinceNanos).filter(filter).count();
    }

    /** Requests started so far. */
    long started() {
        return sequence.get();
    }

    /** Requests finished so far. */
    long finished() {
        return log.size();
    }

    long inFlight() {
        return inFlight.get();
    }

    long startedNanos() {
        return startedNanos;
    }

    /** Stops the schedule and waits (at most {@code waitMillis}) for the requests in flight to end. */
    void stop(long waitMillis) {
        ticker.shutdownNow();
        workers.shutdown();
        try {
            workers.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes the log as CSV (one line per request, in start order). */
    void writeCsv(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        List<Request> sorted = requests();
        sorted.sort((a, b) -> Long.compare(a.startNanos(), b.startNanos()));
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
            out.println("seq,start_ms,latency_ms,node,status,backend,client_retries,path,error");
            for (Request r : sorted) {
                out.printf("%d,%.1f,%.1f,%s,%d,%s,%d,%s,%s%n", r.seq(), (r.startNanos() - startedNanos) / 1e6, r.latencyNanos() / 1e6,
                        r.node(), r.status(), r.backend() == null ? "" : r.backend(), r.clientRetries(), r.path(),
                        r.error() == null ? "" : '"' + r.error().replace('"', '\'') + '"');
            }
        }
    }

    @Override
    public void close() {
        stop(5_000);
        workers.shutdownNow();
        pools.values().forEach(pool -> pool.forEach(HttpConnection::close));
    }
}
