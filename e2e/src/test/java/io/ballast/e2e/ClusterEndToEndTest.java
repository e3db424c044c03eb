package io.ballast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.common.model.LeaderInfo;
import io.ballast.e2e.LoadClient.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole spine with real processes: ZooKeeper, 2 control planes, 2 nodes, 3 backends
 * with agents, each on its own 127.0.x.y address, started through {@code bin/ballast}.
 * Steps, in order: (a) traffic reaches every backend; (b) SIGKILL of a backend: nodes
 * converge and no client request fails; (c) SIGKILL of the leader: a replica with a higher
 * epoch leads and a weight set with ballastctl reaches both nodes; (d) SIGKILL of ZooKeeper
 * and both control planes: nodes keep serving with zero failures.
 */
class ClusterEndToEndTest {

    @RegisterExtension
    final LocalCluster cluster = new LocalCluster();

    private final List<String> report = new ArrayList<>();

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void survivesBackendLeaderAndControlPlaneLoss() throws Exception {
        String zk = cluster.startZooKeeper("127.0.1.1");
        cluster.startControlPlane("cp-1", "127.0.2.1");
        cluster.startControlPlane("cp-2", "127.0.2.2");
        for (int i = 1; i <= 3; i++) {
            cluster.startBackend("web-" + i, "127.0.4." + i);
        }
        String[] node1 = cluster.startNode("node-1", "127.0.3.1");
        String[] node2 = cluster.startNode("node-2", "127.0.3.2");
        List<String> admins = List.of(node1[1], node2[1]);

        await("both nodes apply a snapshot with 3 active backends").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> admins.stream().allMatch(a -> activeIds(a).size() == 3));

        try (LoadClient load = new LoadClient(List.of(node1[0], node2[0]), 2, Duration.ofMillis(10))) {
            // (a) every backend receives traffic through both nodes.
            long startA = System.nanoTime();
            await("every backend serves through both nodes").atMost(Duration.ofSeconds(30))
                    .until(() -> backendsByNode(load.since(startA)).values().stream().allMatch(s -> s.size() == 3)
                            && backendsByNode(load.since(startA)).size() == 2);
            assertNoFailures("a", load.since(startA));
            step("a", "traffic reaches all backends via both nodes", load.since(startA), -1);

            // (b) SIGKILL one backend.
            long killB = System.nanoTime();
            cluster.process("web-3").kill();
            await("both nodes drop web-3").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> admins.stream().allMatch(a -> {
                        Set<String> ids = activeIds(a);
                        return ids.size() == 2 && !ids.contains("web-3");
                    }));
            long convergedB = System.nanoTime();
            awaitRequests(load, convergedB, 200);
            List<Outcome> stepB = load.since(killB);
            assertNoFailures("b", stepB);
            assertThat(load.since(convergedB)).as("no response from web-3 after convergence")
                    .noneMatch(o -> "web-3".equals(o.backend()));
            step("b", "backend SIGKILL -> both nodes applied a snapshot without it", stepB, millis(killB, convergedB));

            // (c) SIGKILL the leader control plane.
            LeaderInfo oldLeader = cluster.leader().orElseThrow();
            long killC = System.nanoTime();
            cluster.process(oldLeader.id()).kill();
            await("another replica leads with a higher epoch").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> cluster.leader().filter(l -> !l.id().equals(oldLeader.id()) && l.epoch() > oldLeader.epoch()).isPresent());
            LeaderInfo newLeader = cluster.leader().orElseThrow();
            await("both nodes apply the new leader's snapshot").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> admins.stream().allMatch(a -> appliedEpoch(a) >= newLeader.epoch()));
            long convergedC = System.nanoTime();

            LocalCluster.CommandResult set = cluster.ballastctl("set-weight", "web", "web-1", "7", "--zk", zk);
            assertThat(set.exitCode()).as("ballastctl set-weight: " + set.output()).isZero();
            await("both nodes apply web-1 weight 7").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> admins.stream().allMatch(a -> weightOf(a, "web-1") == 7));
            LocalCluster.CommandResult status = cluster.ballastctl("status", "-o", "json", "--zk", zk);
            assertThat(status.exitCode()).as("ballastctl status: " + status.output()).isZero();
            assertThat(status.output()).contains("node-1", "node-2", newLeader.id());
            awaitRequests(load, System.nanoTime(), 100);
            List<Outcome> stepC = load.since(killC);
            assertNoFailures("c", stepC);
            step("c", "leader SIGKILL -> new leader (epoch " + oldLeader.epoch() + " -> " + newLeader.epoch()
                    + ") snapshot applied on both nodes", stepC, millis(killC, convergedC));

            // (d) SIGKILL ZooKeeper and both control planes: static stability.
            long killD = System.nanoTime();
            cluster.process("zookeeper").kill();
            cluster.process("cp-1").kill();
            cluster.process("cp-2").kill();
            awaitRequests(load, killD, 600);
            List<Outcome> stepD = load.since(killD);
            assertNoFailures("d", stepD);
            assertThat(backendsByNode(stepD).values()).allSatisfy(b -> assertThat(b).containsExactlyInAnyOrder("web-1", "web-2"));
            step("d", "ZooKeeper + both control planes SIGKILLed -> nodes keep serving", stepD, -1);
        } finally {
            String text = String.join("\n", report);
            System.out.println(text);
            Files.writeString(cluster.logDir().resolve("report.txt"), text + "\n");
        }
    }

    private void step(String name, String what, List<Outcome> outcomes, long convergeMillis) {
        long failed = outcomes.stream().filter(Outcome::failed).count();
        report.add(String.format("step %s: %-75s requests=%d failed=%d%s", name, what, outcomes.size(), failed,
                convergeMillis >= 0 ? " converged_ms=" + convergeMillis : ""));
    }

    private static void assertNoFailures(String step, List<Outcome> outcomes) {
        List<Outcome> failures = outcomes.stream().filter(Outcome::failed).limit(5).toList();
        assertThat(failures).as("failed requests in step " + step + " (of " + outcomes.size() + ")").isEmpty();
    }

    private static void awaitRequests(LoadClient load, long since, int count) {
        await().atMost(Duration.ofSeconds(60)).until(() -> load.count(since, o -> true) >= count);
    }

    private static long millis(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1_000_000;
    }

    private static Map<String, Set<String>> backendsByNode(List<Outcome> outcomes) {
        return outcomes.stream().filter(o -> !o.failed())
                .collect(Collectors.groupingBy(Outcome::node, TreeMap::new, Collectors.mapping(Outcome::backend, Collectors.toCollection(TreeSet::new))));
    }

    private Set<String> activeIds(String admin) {
        Set<String> ids = new TreeSet<>();
        cluster.snapshot(admin).ifPresent(s -> endpoints(s).forEach(e -> {
            if ("ACTIVE".equals(e.path("state").asText())) {
                ids.add(e.path("id").asText());
            }
        }));
        return ids;
    }

    private long appliedEpoch(String admin) {
        return cluster.snapshot(admin).map(s -> s.path("epoch").asLong()).orElse(-1L);
    }

    private int weightOf(String admin, String id) {
        Optional<JsonNode> snapshot = cluster.snapshot(admin);
        if (snapshot.isEmpty()) {
            return -1;
        }
        for (JsonNode e : endpoints(snapshot.get())) {
            if (id.equals(e.path("id").asText())) {
                return e.path("weight").asInt();
            }
        }
        return -1;
    }

    private static List<JsonNode> endpoints(JsonNode snapshot) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode service : snapshot.path("services")) {
            service.path("endpoints").forEach(all::add);
        }
        return all;
    }
}
