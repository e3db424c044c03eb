package io.ballast.e2e.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Faults of a data-plane node: SIGTERM under load (drain), SIGKILL and restart with no control plane. */
class NodeChaosTest {

    @RegisterExtension
    final ChaosScenario chaos = new ChaosScenario();

    /**
     * SIGTERM of node-1 under 150 req/s with 1.5 s requests in flight on it. The node must drain:
     * finish what it has in flight, stop accepting. Clients move to node-2 (refused connects and
     * keep-alive connections closed before a response are re-tried there, counted apart).
     * Converge: from SIGTERM until node-1 has exited.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void nodeSigtermUnderLoad() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed; the 1.5 s requests in flight on node-1 at SIGTERM end with 200");
        OpenLoopClient load = chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        for (int i = 0; i < 5; i++) {
            load.sendOne("/slow?delay-ms=1500", 0);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // pacing, not synchronisation
        }
        long slowSent = System.nanoTime();
        org.awaitility.Awaitility.await("the 5 slow requests on the backends").atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                .until(() -> t.backendAddresses().stream().mapToInt(cluster::backendInFlight).sum() >= 5);
        chaos.inject("kill -TERM node-1", () -> cluster.terminate("node-1", Duration.ofSeconds(30)));
        chaos.awaitConverged("node-1 exited", Duration.ofSeconds(1), () -> !cluster.process("node-1").isAlive());
        chaos.runFor(300);
        List<OpenLoopClient.Request> requests = chaos.finish();
        List<OpenLoopClient.Request> slow = requests.stream().filter(r -> r.path().startsWith("/slow")).toList();
        assertThat(slow).as("slow requests sent %d ms before SIGTERM", TimeUnit.NANOSECONDS.toMillis(chaos.injectedNanos() - slowSent))
                .hasSize(5).allMatch(r -> r.status() == 200 && r.node().equals(t.nodes().get(0).proxy()));
    }

    /**
     * Every control plane SIGKILLed, then node-1 SIGKILLed and restarted (same ports, same state
     * directory): it must serve its last snapshot from disk with no control plane to ask.
     * Converge: from the restart until node-1 answers 200 through the proxy.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void nodeSigkillAndRestartWithoutControlPlane() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("node-1 serves from its state directory after a restart with no control plane; <= 10 failed");
        chaos.allowFailures(10, "requests node-1 had read on a fresh connection when SIGKILLed: the client cannot know"
                + " whether they reached a backend, so it may not re-try them");
        chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        t.controlPlanes().forEach(cluster::kill);
        chaos.runFor(150);
        cluster.kill("node-1");
        chaos.runFor(150);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        ChaosCluster.NodeAddresses node1 = t.nodes().get(0);
        chaos.inject("restart node-1", () -> cluster.restart("node-1"));
        chaos.awaitConverged("node-1 answers 200", Duration.ofSeconds(30), () -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://" + node1.proxy() + "/")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        long served = System.nanoTime();
        assertThat(cluster.webEndpoints(node1)).as("node-1's snapshot from its state directory").hasSize(3);
        chaos.runFor(450);
        List<OpenLoopClient.Request> requests = chaos.finish();
        assertThat(requests.stream().filter(r -> r.startNanos() > served
                && r.node().equals(node1.proxy()) && r.clientRetries() == 0 && r.status() == 200))
                .as("requests node-1 served itself after its restart").isNotEmpty();
    }
}
