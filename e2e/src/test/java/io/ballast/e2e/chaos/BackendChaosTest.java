package io.ballast.e2e.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
}
