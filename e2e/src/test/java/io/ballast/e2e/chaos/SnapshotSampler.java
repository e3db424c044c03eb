package io.ballast.e2e.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples the {@code web} endpoints in every node's applied snapshot every 100 ms on its own
 * thread, so that a scenario can assert on what the nodes routed by during a fault (e.g. "never
 * fewer than 3 endpoints": no removal storm), not only at its end. A node that does not answer
 * is not sampled. {@link #close} stops sampling; the queries are thread-safe.
 */
final class SnapshotSampler implements AutoCloseable {

    /** One node's endpoints (id to state) at one time. */
    record Sample(long nanos, String node, Map<String, String> states) {}

    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "snapshot-sampler");
        t.setDaemon(true);
        return t;
    });

    SnapshotSampler(ChaosCluster cluster, List<ChaosCluster.NodeAddresses> nodes) {
        thread.scheduleWithFixedDelay(() -> {
            for (ChaosCluster.NodeAddresses node : nodes) {
                cluster.snapshot(node).ifPresent(snapshot -> samples.add(new Sample(System.nanoTime(), node.id(), states(snapshot))));
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
    }

    private static Map<String, String> states(JsonNode snapshot) {
        Map<String, String> states = new TreeMap<>();
        for (JsonNode service : snapshot.path("services")) {
            if (service.path("name").asText().equals("web")) {
                service.path("endpoints").forEach(e -> states.put(e.path("id").asText(), e.path("state").asText()));
            }
        }
        return states;
    }

    List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** The fewest endpoints any node had in a sample, or -1 when there was no sample. */
    int minEndpoints() {
        return samples.stream().mapToInt(s -> s.states().size()).min().orElse(-1);
    }

    /** The first sample with fewer than {@code count} endpoints, for the failure message. */
    String firstBelow(int count) {
        return samples.stream().filter(s -> s.states().size() < count).findFirst().map(Sample::toString).orElse("none");
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
