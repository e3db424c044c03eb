package io.ballast.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Sends GET requests through the given node addresses from a few threads at a steady pace
 * and logs every outcome (time, node, status, backend = the first line of the body, error).
 * Pacing keeps the load light enough that, on a 2-core machine, the cluster under test
 * still gets the CPU it needs to converge.
 */
final class LoadClient implements AutoCloseable {

    record Outcome(long nanos, String node, int status, String backend, String error) {
        boolean failed() {
            return error != null || status != 200;
        }
    }

    private final ConcurrentLinkedQueue<Outcome> log = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    LoadClient(List<String> nodes, int threadsPerNode, Duration pause) {
        for (String node : nodes) {
            for (int i = 0; i < threadsPerNode; i++) {
                Thread thread = new Thread(() -> loop(node, pause), "load-" + node + "-" + i);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }
    }

    private void loop(String node, Duration pause) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        URI uri = URI.create("http://" + node + "/");
        while (running.get()) {
            long start = System.nanoTime();
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                String body = response.body();
                int newline = body.indexOf('\n');
                log.add(new Outcome(start, node, response.statusCode(), newline < 0 ? body : body.substring(0, newline), null));
            } catch (Exception e) {
                if (!running.get()) {
                    return;
                }
                log.add(new Outcome(start, node, 0, null, e.toString()));
            }
            LockSupport.parkNanos(pause.toNanos()); // pacing, not synchronisation
        }
    }

    List<Outcome> since(long nanos) {
        return log.stream().filter(o -> o.nanos() >= nanos).toList();
    }

    long count(long sinceNanos, Predicate<Outcome> filter) {
        return log.stream().filter(o -> o.nanos() >= sinceNanos).filter(filter).count();
    }

    @Override
    public void close() {
        running.set(false);
        for (Thread thread : threads) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
