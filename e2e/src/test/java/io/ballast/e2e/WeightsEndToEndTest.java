package io.ballast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.common.config.HostPort;
import io.ballast.proto.v1.AdminGrpc;
import io.ballast.proto.v1.ExplainWeightRequest;
import io.ballast.proto.v1.WeightExplanation;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Weights the control plane computes, with real processes: two demo backends whose simulated
 * cost per request differs 3x report qps and utilisation through their agents (--load-url), and
 * the leader's load factor moves the node's traffic toward the cheaper one; then a backend that
 * joins under a slow-start policy ramps up over the window.
 */
class WeightsEndToEndTest {

    @RegisterExtension
    final LocalCluster cluster = new LocalCluster();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void loadReportsShiftTrafficAndANewEndpointRampsUpOverTheSlowStartWindow() throws Exception {
        cluster.startZooKeeper("127.0.5.1");
        String admin = cluster.startControlPlane("cp-1", "127.0.5.2", "--load-blackout-ms", "1000", "--weight-interval-ms", "500");
        List<String> reporting = List.of("--load-url", "http://{backend}/ballast/load", "--heartbeat-ms", "500");
        cluster.startBackend("cheap", "127.0.5.11", LocalCluster.SESSION, List.of("--cost-millis", "1"), reporting);
        cluster.startBackend("dear", "127.0.5.12", LocalCluster.SESSION, List.of("--cost-millis", "3"), reporting);
        String[] node = cluster.startNode("node-1", "127.0.5.21");

        await("both backends in the node's snapshot").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.webEndpoints(node[1]).size() == 2);
        ctl(admin, "set-policy", "web", "weighted_round_robin");

        try (LoadClient load = new LoadClient(List.of(node[0]), 2, Duration.ofMillis(5))) {
            // capacity = qps / utilisation = 1000 / cost: 1000 vs 333 req/s, mean 667, so the factors are 1.5 and 0.5.
            await("the leader weighs cheap 3x dear").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> ratio(cluster.webEndpoints(node[1])), r -> r >= 2.5);
            long since = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> load.count(since, o -> !o.failed()) >= 1_000);
            long cheap = load.count(since, o -> "cheap".equals(o.backend()));
            long all = load.count(since, o -> !o.failed());
            double share = (double) cheap / all;
            System.out.printf("[weights] cheap share %.3f of %d requests (expected 0.75; equal weights would give 0.50)%n", share, all);
            assertThat(share).isBetween(0.65, 0.85);
            assertThat(load.count(since, LoadClient.Outcome::failed)).isZero();

            LocalCluster.CommandResult explain = cluster.ballastctl("explain", "web", "dear", "--server", admin);
            assertThat(explain.exitCode()).as(explain.output()).isZero();
            assertThat(explain.output()).containsPattern("load\\s+0\\.5\\d\\d\\s+qps/utilisation");

            // Slow start: a backend that joins now ramps over 8 s (linear, floor 10%).
            ctl(admin, "set-policy", "web", "weighted_round_robin", "--slow-start-ms", "8000");
            cluster.startBackend("fresh", "127.0.5.13", LocalCluster.SESSION, List.of("--cost-millis", "1"), reporting);
            List<Double> ramp = new ArrayList<>();
            List<Integer> weights = new ArrayList<>();
            HostPort address = HostPort.parse("admin", admin);
            ManagedChannel channel = NettyChannelBuilder.forAddress(address.host(), address.port()).usePlaintext().build();
            try {
                AdminGrpc.AdminBlockingStub stub = AdminGrpc.newBlockingStub(channel);
                await("fresh ramps to 100%").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() -> {
                    JsonNode fresh = cluster.webEndpoints(node[1]).get("fresh");
                    if (fresh == null) {
                        return false;
                    }
                    WeightExplanation explanation = stub.withDeadlineAfter(2, TimeUnit.SECONDS).explainWeight(
                            ExplainWeightRequest.newBuilder().setService("web").setId("fresh").build());
                    double slowStart = explanation.getTermsList().stream().filter(t -> t.getName().equals("slow_start"))
                            .findFirst().orElseThrow().getValue();
                    ramp.add(slowStart);
                    weights.add(fresh.path("weight").asInt());
                    return slowStart == 1.0;
                });
            } finally {
                channel.shutdownNow();
            }
            System.out.printf("[weights] slow start terms %s, node weights %s%n", ramp, weights);
            assertThat(ramp.get(0)).isLessThan(0.5);
            assertThat(ramp).isSorted();
            assertThat(ramp.size()).as("ramp observed over several samples").isGreaterThanOrEqualTo(5);
            assertThat(weights.get(0)).isLessThan(weights.stream().mapToInt(Integer::intValue).max().orElseThrow() / 2);
        }
    }

    private void ctl(String admin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(args));
        command.addAll(List.of("--server", admin));
        LocalCluster.CommandResult result = cluster.ballastctl(command.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    private static double ratio(Map<String, JsonNode> endpoints) {
        JsonNode cheap = endpoints.get("cheap");
        JsonNode dear = endpoints.get("dear");
        if (cheap == null || dear == null || dear.path("weight").asInt() == 0) {
            return 0;
        }
        return cheap.path("weight").asDouble() / dear.path("weight").asDouble();
    }
}
