package io.ballast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A cluster-wide rate limit with real processes: the leader splits it across the live nodes,
 * each node enforces its share with a token bucket, and the split changes when a node dies.
 */
class RateLimitEndToEndTest {

    private static final double LIMIT = 40;

    @RegisterExtension
    final LocalCluster cluster = new LocalCluster();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void twiceTheClusterRateIsCutToTheLimitAcrossTwoNodesAndReSplitWhenOneDies() throws Exception {
        cluster.startZooKeeper("127.0.6.1");
        String admin = cluster.startControlPlane("cp-1", "127.0.6.2");
        cluster.startBackend("web-1", "127.0.6.11");
        String[] node1 = cluster.startNode("node-1", "127.0.6.21");
        String[] node2 = cluster.startNode("node-2", "127.0.6.22");
        for (String[] node : List.of(node1, node2)) {
            await("both nodes route to the backend").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.webEndpoints(node[1]).size() == 1);
        }
        LocalCluster.CommandResult set = cluster.ballastctl("set-policy", "web", "round_robin", "--rate-limit", "40",
                "--server", admin);
        assertThat(set.exitCode()).as(set.output()).isZero();
        for (String[] node : List.of(node1, node2)) {
            await("each node gets half of the cluster rate").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.webPolicy(node[1]).path("rateLimit").path("nodeRequestsPerSecond").asDouble() == LIMIT / 2);
        }

        // About 2x the limit: 2 threads per node, each pausing 50 ms between requests (~38 requests/s per node).
        try (LoadClient load = new LoadClient(List.of(node1[0], node2[0]), 2, Duration.ofMillis(50))) {
            // Skip the first seconds: each bucket starts full (one second of its share).
            long warm = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() - warm >= TimeUnit.SECONDS.toNanos(3));
            long from = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() - from >= TimeUnit.SECONDS.toNanos(10));
            long to = System.nanoTime();
            double seconds = (to - from) / 1e9;
            long offered = load.count(from, o -> o.nanos() < to);
            long accepted = load.count(from, o -> o.nanos() < to && o.status() == 200);
            long limited = load.count(from, o -> o.nanos() < to && o.status() == 429);
            double acceptedRate = accepted / seconds;
            System.out.printf("[rate-limit] 2 nodes: offered %.1f/s, accepted %.1f/s (limit %.0f/s), 429s %d, other %d%n",
                    offered / seconds, acceptedRate, LIMIT, limited, offered - accepted - limited);
            assertThat(offered / seconds).as("offered rate").isGreaterThan(1.7 * LIMIT);
            assertThat(acceptedRate).isBetween(LIMIT * 0.9, LIMIT * 1.1);
            assertThat(offered - accepted - limited).as("answers other than 200 and 429").isZero();

            cluster.process("node-2").kill();
            await("node-1 gets the whole cluster rate once node-2's session is gone").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.webPolicy(node1[1]).path("rateLimit").path("nodeRequestsPerSecond").asDouble() == LIMIT);
            assertThat(cluster.webPolicy(node1[1]).path("rateLimit").path("liveNodes").asInt()).isEqualTo(1);
            long after = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() - after >= TimeUnit.SECONDS.toNanos(5));
            long end = System.nanoTime();
            double node1Accepted = load.count(after, o -> o.nanos() < end && o.node().equals(node1[0]) && o.status() == 200)
                    / ((end - after) / 1e9);
            double node1Offered = load.count(after, o -> o.nanos() < end && o.node().equals(node1[0])) / ((end - after) / 1e9);
            System.out.printf("[rate-limit] node-1 alone: offered %.1f/s, accepted %.1f/s (share now %.0f/s)%n",
                    node1Offered, node1Accepted, LIMIT);
            // Its old share was 20/s; it now accepts what it is offered, up to 40/s.
            assertThat(node1Accepted).isGreaterThan(LIMIT / 2 * 1.3).isLessThanOrEqualTo(LIMIT * 1.1);
        }
    }
}
