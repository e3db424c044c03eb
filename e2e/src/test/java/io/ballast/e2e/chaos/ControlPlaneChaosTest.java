package io.ballast.e2e.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.model.LeaderInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults of the control plane: the leader killed, paused past its session, partitioned from
 * ZooKeeper; a half-open control stream; every replica down. Nodes serve throughout.
 */
class ControlPlaneChaosTest {

    @RegisterExtension
    final ChaosScenario chaos = new ChaosScenario();

    /** SIGKILL of the leader. Converge: a successor with a higher epoch recorded and applied by every node. */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void leaderSigkill() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed; a successor with a higher epoch, applied by every node");
        LeaderInfo old = awaitLeaderApplied(t);
        chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        chaos.inject("kill -9 the leader " + old.id(), () -> cluster.kill(old.id()));
        chaos.awaitConverged("a successor's epoch applied by every node", Duration.ofSeconds(40),
                () -> cluster.leader().filter(l -> !l.id().equals(old.id()) && l.epoch() > old.epoch())
                        .map(l -> t.nodes().stream().allMatch(n -> cluster.appliedEpoch(n) == l.epoch())).orElse(false));
        chaos.runFor(300);
        chaos.finish();
    }

    /**
     * SIGSTOP of the leader past its session, then SIGCONT. Converge: the successor's epoch
     * applied by every node. Fencing: after SIGCONT no node applies the old leader's epoch again
     * (sampled every 100 ms for 5 s) and the old replica does not take the leader record back.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void leaderSigstopPastSession() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed; after SIGCONT no node goes back to the paused leader's lower epoch");
        LeaderInfo old = awaitLeaderApplied(t);
        chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        chaos.inject("kill -STOP the leader " + old.id(), () -> cluster.stop(old.id()));
        chaos.awaitConverged("a successor's epoch applied by every node", Duration.ofSeconds(40),
                () -> cluster.leader().filter(l -> !l.id().equals(old.id()) && l.epoch() > old.epoch())
                        .map(l -> t.nodes().stream().allMatch(n -> cluster.appliedEpoch(n) == l.epoch())).orElse(false));
        LeaderInfo successor = cluster.leader().orElseThrow();
        // A change while the old leader sleeps: it wakes up with a stale model and a stale epoch.
        assertThat(cluster.ballastctl("set-weight", "web", "web-3", "50").exitCode()).isZero();
        cluster.cont(old.id());
        org.awaitility.Awaitility.await("every node stays on the successor's epoch and the old replica stays out of the leader record")
                .during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(100))
                .until(() -> t.nodes().stream().allMatch(n -> cluster.appliedEpoch(n) >= successor.epoch())
                        && !cluster.leader().map(LeaderInfo::id).orElse("").equals(old.id()));
        chaos.runFor(200);
        chaos.finish();
    }

    /**
     * The leader's packets to every ZooKeeper server dropped (nft, by its group id) while it still
     * reaches the nodes. It must stop leading (SUSPENDED is "not leader"); the other replica takes
     * over. Converge: the successor's epoch applied by every node.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void leaderPartitionedFromZooKeeper() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed; the cut-off leader stops, a successor's higher epoch is applied by every node");
        LeaderInfo old = awaitLeaderApplied(t);
        chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        int gid = cluster.member(old.id()).gid();
        List<String> servers = List.of(1, 2, 3).stream().map(cluster::zkServer).map(s -> s.substring(0, s.lastIndexOf(':'))).toList();
        chaos.inject("drop " + old.id() + " -> ZooKeeper", () -> chaos.firewall().dropFrom(List.of(gid), servers));
        chaos.awaitConverged("a successor's epoch applied by every node", Duration.ofSeconds(40),
                () -> cluster.leader().filter(l -> !l.id().equals(old.id()) && l.epoch() > old.epoch())
                        .map(l -> t.nodes().stream().allMatch(n -> cluster.appliedEpoch(n) == l.epoch())).orElse(false));
        chaos.runFor(300);
        chaos.finish();
    }

    /**
     * Both directions of node-1's control stream to the leader dropped (nft on that one TCP
     * connection, no reset): the stream is half-open. A weight change follows. Converge: until
     * node-1 applies the change, which it can only get over a new stream once keepalive has
     * declared the old one dead.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void halfOpenControlStream() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed; node-1 detects the dead stream, reconnects and applies a later change");
        LeaderInfo leader = awaitLeaderApplied(t);
        List<ChaosCluster.Connection> streams = cluster.connections("node-1", leader.address());
        assertThat(streams).as("node-1's connection to the leader " + leader.address()).hasSize(1);
        ChaosCluster.Connection stream = streams.get(0);
        chaos.load(100, t.nodeArray());
        chaos.runFor(200);
        chaos.inject("drop node-1's control stream " + stream, () -> {
            chaos.firewall().dropConnection(stream.localHost(), stream.localPort(), stream.remoteHost(), stream.remotePort());
            assertThat(cluster.ballastctl("set-weight", "web", "web-3", "50").exitCode()).isZero();
        });
        chaos.awaitStep("node-2 has the change", Duration.ofSeconds(20),
                () -> cluster.webEndpoints(t.nodes().get(1)).get("web-3").path("declaredWeight").asInt() == 50);
        chaos.awaitConverged("node-1 has the change over a new stream", Duration.ofSeconds(45),
                () -> cluster.webEndpoints(t.nodes().get(0)).get("web-3").path("declaredWeight").asInt() == 50);
        assertThat(cluster.connections("node-1", leader.address())).as("node-1's streams now").noneMatch(stream::equals);
        chaos.runFor(200);
        chaos.finish();
    }

    /**
     * Every control-plane replica SIGKILLed: nodes serve their last snapshot for ~10 s; a
     * replica comes back. Converge: from its restart until every node applied its epoch.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void allControlPlanesDown() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed while no replica runs; a restarted replica's epoch reaches every node");
        LeaderInfo old = awaitLeaderApplied(t);
        chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        chaos.inject("kill -9 every replica", () -> t.controlPlanes().forEach(cluster::kill));
        chaos.runFor(1_500);
        for (ChaosCluster.NodeAddresses node : t.nodes()) {
            assertThat(cluster.webEndpoints(node)).as("%s's snapshot without a control plane", node.id()).hasSize(3);
        }
        chaos.inject("restart cp-1", () -> cluster.restart("cp-1"));
        chaos.awaitConverged("the restarted replica's epoch applied by every node", Duration.ofSeconds(60),
                () -> cluster.leader().filter(l -> l.epoch() > old.epoch())
                        .map(l -> t.nodes().stream().allMatch(n -> cluster.appliedEpoch(n) == l.epoch())).orElse(false));
        chaos.runFor(300);
        chaos.finish();
    }

    /** Waits until a leader is recorded and every node applied its epoch; returns it. */
    private LeaderInfo awaitLeaderApplied(ChaosScenario.Topology t) {
        ChaosCluster cluster = chaos.cluster();
        org.awaitility.Awaitility.await("every node on the leader's epoch").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> cluster.leader().map(l -> t.nodes().stream().allMatch(n -> cluster.appliedEpoch(n) == l.epoch()))
                        .orElse(false));
        return cluster.leader().orElseThrow();
    }
}
