package io.ballast.e2e.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.zk.ZkPaths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults between the cluster and ZooKeeper: one agent's session expired, every agent cut off,
 * the whole ensemble down and back, one server partitioned.
 */
class ZooKeeperChaosTest {

    private static final String BACKENDS = ZkPaths.forCluster(ZkPaths.DEFAULT_CLUSTER).service("web");

    @RegisterExtension
    final ChaosScenario chaos = new ChaosScenario();

    /**
     * One agent SIGSTOPped past its session (the server expires it, the registration vanishes),
     * then SIGCONT (it re-registers in a new session). The backend itself keeps serving.
     * Converge: from SIGSTOP until no node has web-1 ACTIVE (gone, or held SUSPECT).
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void agentSessionExpired() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed; web-1 out of rotation (gone or SUSPECT) after its session expired, ACTIVE again after");
        chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        chaos.inject("kill -STOP agent-web-1", () -> cluster.stop("agent-web-1"));
        chaos.awaitStep("web-1's registration gone", Duration.ofSeconds(30),
                () -> !cluster.zkChildren(BACKENDS).contains("web-1"));
        chaos.awaitConverged("no node has web-1 ACTIVE", Duration.ofSeconds(30),
                () -> t.nodes().stream().noneMatch(n -> cluster.endpointState(n, "web-1").equals("ACTIVE")));
        chaos.runFor(300);
        cluster.cont("agent-web-1");
        chaos.awaitStep("web-1 ACTIVE again on every node", Duration.ofSeconds(30),
                () -> t.nodes().stream().allMatch(n -> cluster.endpointState(n, "web-1").equals("ACTIVE")));
        chaos.runFor(200);
        chaos.finish();
    }

    /**
     * Every agent's packets to ZooKeeper dropped (nft, by group id): all registrations vanish at
     * once while the backends are fine. Self-preservation must hold: no request fails and every
     * node keeps all three backends, as SUSPECT. Converge: until every node shows all three
     * SUSPECT. Then the rules go and the agents re-register (ACTIVE again).
     *
     * <p>Two control-plane races this scenario caught, both fixed: the sessions cut at one instant
     * expire up to ~0.5 s apart, and the first removal went out before the second vanishing started
     * self-preservation (fixed by the removal grace); and a snapshot computed from the caches'
     * newest state before failure handling had folded it published the later vanishings as removed
     * (fixed by computing snapshots only from the folded state, see ControlLoop).
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void allAgentsCutFromZooKeeper() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed; every node keeps the 3 backends (SUSPECT) while no agent reaches ZooKeeper");
        chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        try (SnapshotSampler sampler = new SnapshotSampler(cluster, t.nodes())) {
            List<Integer> agents = t.backends().stream().map(b -> cluster.member("agent-" + b).gid()).toList();
            List<String> servers = List.of(1, 2, 3).stream().map(cluster::zkServer).map(s -> s.substring(0, s.lastIndexOf(':'))).toList();
            chaos.inject("drop every agent -> ZooKeeper (one rule)", () -> chaos.firewall().dropFrom(agents, servers));
            chaos.awaitStep("every registration gone", Duration.ofSeconds(30), () -> cluster.zkChildren(BACKENDS).isEmpty());
            chaos.awaitConverged("all three SUSPECT on every node", Duration.ofSeconds(30),
                    () -> t.nodes().stream().allMatch(n -> t.backends().stream()
                            .allMatch(b -> cluster.endpointState(n, b).equals("SUSPECT"))));
            chaos.runFor(600);
            chaos.firewall().reset();
            chaos.awaitStep("all three ACTIVE again", Duration.ofSeconds(40),
                    () -> t.nodes().stream().allMatch(n -> t.backends().stream()
                            .allMatch(b -> cluster.endpointState(n, b).equals("ACTIVE"))));
            assertThat(sampler.minEndpoints()).as("fewest endpoints a node had; first short sample: %s", sampler.firstBelow(3))
                    .isEqualTo(3);
        }
        chaos.runFor(200);
        chaos.finish();
    }

    /**
     * Every ZooKeeper server SIGKILLed, down for 3 session timeouts, then restarted with its data.
     * Nodes serve meanwhile; when ZooKeeper returns, the sessions of agents, replicas and nodes
     * have expired: their ephemeral nodes are gone until they re-register, and the leader must
     * not push a snapshot without the backends (no removal storm). Converge: from the restart
     * until a leader is recorded and every node has the three backends ACTIVE.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void allZooKeeperServersDownThenBack() {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed; no node's snapshot ever loses a backend while ZooKeeper is down and after it returns");
        chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        try (SnapshotSampler sampler = new SnapshotSampler(cluster, t.nodes())) {
            chaos.inject("kill -9 every ZooKeeper server", () -> List.of("zk-1", "zk-2", "zk-3").forEach(cluster::kill));
            chaos.runFor(900); // ~6 s at 150 req/s: three session timeouts
            chaos.inject("restart every ZooKeeper server", () -> List.of("zk-1", "zk-2", "zk-3").forEach(cluster::restart));
            chaos.awaitConverged("a leader and every backend ACTIVE on every node", Duration.ofSeconds(90),
                    () -> cluster.leader().isPresent() && t.nodes().stream().allMatch(n -> t.backends().stream()
                            .allMatch(b -> cluster.endpointState(n, b).equals("ACTIVE"))));
            chaos.runFor(600);
            assertThat(sampler.minEndpoints()).as("fewest endpoints a node had; first short sample: %s", sampler.firstBelow(3))
                    .isEqualTo(3);
        }
        chaos.finish();
    }

    /**
     * ZooKeeper server 3 isolated (nft: every packet to or from its address, and everything it
     * sends): the other two keep a quorum; its clients move to them. Converge: until the
     * ensemble takes a write again (from the test's client). Then it rejoins.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void oneZooKeeperServerPartitioned() throws Exception {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed; the quorum of 2 serves; no node loses a backend; a leader stays recorded");
        chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        String probe = ZkPaths.forCluster(ZkPaths.DEFAULT_CLUSTER).root() + "/chaos-probe";
        try (SnapshotSampler sampler = new SnapshotSampler(cluster, t.nodes())) {
            String server = cluster.zkServer(3);
            int gid = cluster.member("zk-3").gid();
            chaos.inject("isolate zk-3", () -> chaos.firewall().isolate(server.substring(0, server.lastIndexOf(':')), gid));
            chaos.awaitConverged("the ensemble takes a write", Duration.ofSeconds(30), () -> {
                try {
                    cluster.observer().create().orSetData().withMode(CreateMode.PERSISTENT).forPath(probe, new byte[] {1});
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            chaos.runFor(900);
            assertThat(cluster.leader()).as("the leader record while zk-3 is cut off").isPresent();
            chaos.firewall().reset();
            chaos.runFor(300);
            assertThat(sampler.minEndpoints()).as("fewest endpoints a node had; first short sample: %s", sampler.firstBelow(3))
                    .isEqualTo(3);
            assertThat(t.nodes().stream().allMatch(n -> t.backends().stream()
                    .allMatch(b -> cluster.endpointState(n, b).equals("ACTIVE")))).as("every backend ACTIVE at the end").isTrue();
        }
        chaos.finish();
    }
}
