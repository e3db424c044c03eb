package io.ballast.e2e.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.RetryPolicy;
import io.ballast.testing.FaultProxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Faults of one backend: SIGKILL, a hang, 500s, a drain with slow requests in flight. */
class BackendChaosTest {

    @RegisterExtension
    final ChaosScenario chaos = new ChaosScenario();

    /**
     * SIGKILL of one of three backends under 150 req/s. Converge: until no node routes to it
     * (its agent fails its health checks and deregisters). Requests in flight on its pooled
     * connections are retried by the node on another endpoint (idempotent, nothing answered).
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void backendSigkill() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed; web-1 leaves every node's snapshot");
        chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        chaos.inject("kill -9 web-1", () -> cluster.kill("web-1"));
        chaos.awaitConverged("web-1 gone from every node", Duration.ofSeconds(30),
                () -> t.nodes().stream().allMatch(n -> !cluster.webEndpoints(n).containsKey("web-1")
                        && cluster.snapshot(n).isPresent()));
        chaos.runFor(300);
        List<OpenLoopClient.Request> requests = chaos.finish();
        long afterKill = requests.stream().filter(r -> r.startNanos() > chaos.injectedNanos() + TimeUnit.SECONDS.toNanos(10)
                && "web-1".equals(r.backend())).count();
        assertThat(afterKill).as("answers from the dead backend").isZero();
    }

    /**
     * web-1 hangs: its fault proxy accepts and never answers, and stops forwarding on open
     * connections, without a reset. The service's policy: per-try timeout 500 ms, 2 retries
     * (response timeout 3 s). Every request that meets web-1 is retried on another endpoint after
     * 500 ms; its agent's health checks (through the same proxy) fail and it deregisters.
     * Converge: until no node routes to web-1 (gone or EJECTED).
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void backendHang() {
        ChaosCluster cluster = chaos.cluster();
        cluster.startZooKeeperEnsemble();
        cluster.startControlPlane("cp-1");
        cluster.startControlPlane("cp-2");
        FaultProxy hang = chaos.proxy(cluster.startDemoBackend("web-1"));
        cluster.startAgent("web-1", hang.address());
        cluster.startBackend("web-2");
        cluster.startBackend("web-3");
        List<ChaosCluster.NodeAddresses> nodes = List.of(cluster.startNode("node-1"), cluster.startNode("node-2"));
        chaos.awaitRouting(nodes, List.of("web-1", "web-2", "web-3"), Duration.ofSeconds(120));
        chaos.invariant("0 failed (per-try timeout 500 ms + retry elsewhere); web-1 out of rotation");
        setPolicy(cluster, nodes, Policy.newBuilder().setResponseTimeoutMillis(3_000)
                .setRetry(RetryPolicy.newBuilder().setNumRetries(2).setPerTryTimeoutMillis(500)).build(),
                "--response-timeout-ms", "3000", "--retries", "2", "--per-try-timeout-ms", "500");
        chaos.load(150, nodes.toArray(ChaosCluster.NodeAddresses[]::new));
        chaos.runFor(300);
        chaos.inject("web-1 hangs (accepts, never answers)", hang::blackhole);
        chaos.awaitConverged("no node routes to web-1", Duration.ofSeconds(30),
                () -> nodes.stream().allMatch(n -> !cluster.endpointState(n, "web-1").equals("ACTIVE")
                        && cluster.snapshot(n).isPresent()));
        chaos.runFor(300);
        chaos.finish();
    }

    /**
     * web-1 (health check passing) answers every request with 500. Retries (on 5xx, to another
     * endpoint) hide the 500s from clients, and outlier detection (5 consecutive 5xx) ejects it.
     * Converge: until web-1 receives no more requests: its count stays flat for 2 s (measured
     * from the fault to the start of that quiet window).
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void backendReturning500s() {
        ChaosCluster cluster = chaos.cluster();
        cluster.startZooKeeperEnsemble();
        cluster.startControlPlane("cp-1");
        cluster.startControlPlane("cp-2");
        SwitchableBackend flaky = chaos.closeAfter(new SwitchableBackend("web-1", cluster.newHost()));
        cluster.startAgent("web-1", flaky.address());
        cluster.startBackend("web-2");
        cluster.startBackend("web-3");
        List<ChaosCluster.NodeAddresses> nodes = List.of(cluster.startNode("node-1"), cluster.startNode("node-2"));
        chaos.awaitRouting(nodes, List.of("web-1", "web-2", "web-3"), Duration.ofSeconds(120));
        chaos.invariant("0 failed (retry on 5xx elsewhere); outlier detection stops traffic to web-1");
        setPolicy(cluster, nodes, Policy.newBuilder()
                .setRetry(RetryPolicy.newBuilder().setNumRetries(2))
                .setOutlierDetection(OutlierDetection.newBuilder().setConsecutive5Xx(5).setBaseEjectionTimeMillis(30_000))
                .build(), "--retries", "2", "--outlier-consecutive-5xx", "5", "--outlier-base-ejection-ms", "30000");
        chaos.load(150, nodes.toArray(ChaosCluster.NodeAddresses[]::new));
        chaos.runFor(300);
        chaos.inject("web-1 answers 500", () -> flaky.respondWith(500));
        long[] last = {flaky.requests(), System.nanoTime()};
        chaos.awaitStep("web-1 gets no requests for 2 s", Duration.ofSeconds(30), () -> {
            long now = flaky.requests();
            if (now != last[0]) {
                last[0] = now;
                last[1] = System.nanoTime();
            }
            return System.nanoTime() - last[1] >= TimeUnit.SECONDS.toNanos(2);
        });
        chaos.convergedAt(TimeUnit.NANOSECONDS.toMillis(last[1] - chaos.injectedNanos()));
        chaos.runFor(300);
        chaos.finish();
    }

    /**
     * web-1 drained (`ballastctl drain`) while 2-second requests are in flight on it. Converge:
     * until every node has it DRAINING. The slow requests finish with 200; no new request reaches it.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void drainWithSlowRequestsInFlight() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed; the 2 s requests in flight on web-1 end with 200; nothing new reaches it");
        OpenLoopClient load = chaos.load(100, t.nodeArray());
        chaos.runFor(200);
        String web1 = t.backendAddresses().get(0);
        int sent = 0;
        boolean slowOnWeb1 = false;
        while (!slowOnWeb1 && sent < 30) {
            load.sendOne("/slow?delay-ms=2000", sent % 2);
            sent++;
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // pacing, not synchronisation
            // web-1's in-flight count includes the background load's requests (one every ~30 ms, a few ms each):
            // in CI one of them made a read 2 while a single slow request was there. Only a count that holds
            // for 500 ms is the 2-second requests.
            slowOnWeb1 = cluster.backendInFlight(web1) >= 2
                    && holdsFor(Duration.ofMillis(500), () -> cluster.backendInFlight(web1) >= 2);
        }
        assertThat(slowOnWeb1).as("2 slow requests in flight on web-1 for 500 ms, after " + sent + " sent").isTrue();
        chaos.inject("ballastctl drain web web-1", () -> {
            ChaosCluster.CommandResult drain = cluster.ballastctl("drain", "web", "web-1");
            assertThat(drain.exitCode()).as(drain.output()).isZero();
        });
        chaos.awaitConverged("web-1 DRAINING on every node", Duration.ofSeconds(20),
                () -> t.nodes().stream().allMatch(n -> cluster.endpointState(n, "web-1").equals("DRAINING")));
        long drained = System.nanoTime();
        chaos.runFor(300);
        List<OpenLoopClient.Request> requests = chaos.finish();
        List<OpenLoopClient.Request> slow = requests.stream().filter(r -> r.path().startsWith("/slow")).toList();
        assertThat(slow).as("slow requests").hasSize(sent).allMatch(r -> r.status() == 200);
        assertThat(requests.stream().filter(r -> r.startNanos() > drained && "web-1".equals(r.backend())))
                .as("new requests on web-1 after every node has it DRAINING").isEmpty();
    }

    /**
     * Every packet the nodes send to web-1 answered with a TCP reset (nft {@code reject with tcp
     * reset}, by the nodes' group ids), while its agent's health checks still pass: only passive
     * outlier detection (consecutive gateway failures) can take it out of rotation, and the node's
     * retries (connect failures, reused connections reset before any response) hide the resets.
     * Converge: until the nodes stop trying web-1 (the rule's counter flat for 2 s; measured from the
     * fault to the last reset).
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void backendConnectionsReset() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("<= 5 failed, each cut mid-response within 1 s of the fault; the nodes stop trying web-1 (outlier"
                + " ejection) while it stays registered");
        chaos.allowFailures(5, "a response in transfer when the rule lands is cut mid-response (the node's ACKs get a reset);"
                + " no proxy may retry once response bytes were relayed");
        chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        String web1 = t.backendAddresses().get(0);
        List<Integer> nodes = t.nodes().stream().map(n -> cluster.member(n.id()).gid()).toList();
        chaos.inject("nodes -> web-1: reject with tcp reset", () -> chaos.firewall().resetFrom(nodes,
                web1.substring(0, web1.lastIndexOf(':')), Integer.parseInt(web1.substring(web1.lastIndexOf(':') + 1))));
        long[] last = {0, System.nanoTime()};
        chaos.awaitStep("no reset for 2 s", Duration.ofSeconds(30), () -> {
            long now = chaos.firewall().matchedPackets();
            if (now != last[0]) {
                last[0] = now;
                last[1] = System.nanoTime();
            }
            return System.nanoTime() - last[1] >= TimeUnit.SECONDS.toNanos(2);
        });
        chaos.convergedAt(TimeUnit.NANOSECONDS.toMillis(last[1] - chaos.injectedNanos()));
        assertThat(last[0]).as("packets reset").isPositive();
        assertThat(cluster.zkChildren(io.ballast.common.zk.ZkPaths.forCluster("default").service("web")))
                .as("registrations (web-1's health checks pass)").contains("web-1");
        List<String> states = t.nodes().stream().map(n -> cluster.endpointState(n, "web-1")).toList();
        System.out.println("[chaos] backendConnectionsReset: web-1 in the snapshots: " + states);
        assertThat(states).as("web-1 in the snapshots: routed to, or ejected by the leader's quorum").isSubsetOf("ACTIVE", "EJECTED");
        chaos.runFor(300);
        List<OpenLoopClient.Request> failed = chaos.finish().stream().filter(OpenLoopClient.Request::failed).toList();
        assertThat(failed).as("failures other than responses cut mid-response by the fault").allMatch(r ->
                r.startNanos() < chaos.injectedNanos() + TimeUnit.SECONDS.toNanos(1) && r.status() == 502
                        && r.backend() != null && r.backend().contains("mid-response"));
    }

    /**
     * Stores the policy with {@code ballastctl set-policy web round_robin <options>} and waits
     * until every node routes by it ({@code expected} is what the options mean, to compare).
     */
    private void setPolicy(ChaosCluster cluster, List<ChaosCluster.NodeAddresses> nodes, Policy expected, String... options) {
        List<String> args = new java.util.ArrayList<>(List.of("set-policy", "web", "round_robin"));
        args.addAll(List.of(options));
        ChaosCluster.CommandResult set = cluster.ballastctl(args.toArray(String[]::new));
        assertThat(set.exitCode()).as(set.output()).isZero();
        Policy policy = expected;
        org.awaitility.Awaitility.await("the policy on every node").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> nodes.stream().allMatch(n -> matches(webPolicy(cluster, n), policy)));
    }

    private static boolean matches(JsonNode applied, Policy wanted) {
        if (wanted.hasRetry() && wanted.getRetry().getPerTryTimeoutMillis() > 0
                && applied.path("retry").path("perTryTimeoutMillis").asInt() != wanted.getRetry().getPerTryTimeoutMillis()) {
            return false;
        }
        if (wanted.hasOutlierDetection()
                && applied.path("outlierDetection").path("consecutive5xx").asInt() != wanted.getOutlierDetection().getConsecutive5Xx()) {
            return false;
        }
        return !wanted.hasRetry() || applied.has("retry");
    }

    private static JsonNode webPolicy(ChaosCluster cluster, ChaosCluster.NodeAddresses node) {
        return cluster.snapshot(node).map(snapshot -> {
            for (JsonNode service : snapshot.path("services")) {
                if (service.path("name").asText().equals("web")) {
                    return service.path("policy");
                }
            }
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }).orElse(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
    }

    /** True if {@code condition} holds at every poll (50 ms apart) for {@code window} unbroken, beginning within 200 ms. */
    private static boolean holdsFor(Duration window, BooleanSupplier condition) {
        try {
            await().during(window).atMost(window.plusMillis(200)).pollInterval(Duration.ofMillis(50)).until(condition::getAsBoolean);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }
}
