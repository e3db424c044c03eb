package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.model.LeaderInfo;
import io.ballast.proto.v1.ClusterStatus;
import io.ballast.proto.v1.GetStatusRequest;
import io.ballast.proto.v1.Redirect;
import io.ballast.proto.v1.Replica;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.ZooKeeperExtension;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.curator.test.KillSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Election, epoch fencing and redirects with real ZooKeeper and real gRPC on loopback. */
class ElectionIntegrationTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    private Replicas replicas;

    @AfterEach
    void closeAll() {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    void exactlyOneOfThreeLeadsAndEveryReplicaIsRegistered() throws Exception {
        replicas = new Replicas(zk);
        List<ControlPlane> all = List.of(replicas.start("cp-1"), replicas.start("cp-2"), replicas.start("cp-3"));

        LeaderInfo leader = replicas.awaitLeader(0);

        assertThat(leader.epoch()).isGreaterThanOrEqualTo(1);
        await().atMost(Replicas.WAIT).untilAsserted(() ->
                assertThat(all.stream().filter(r -> r.currentSnapshot().isPresent()).map(ControlPlane::id).toList())
                        .containsExactly(leader.id()));
        ControlPlane leaderReplica = replicas.replica(leader.id());
        assertThat(leader.address()).isEqualTo("127.0.0.1:" + leaderReplica.port());
        assertThat(new String(replicas.client.getData().forPath(replicas.paths.epoch()), StandardCharsets.UTF_8))
                .isEqualTo(Long.toString(leader.epoch()));
        await().atMost(Replicas.WAIT).until(() -> replicas.leaderInfo().orElseThrow().version() == 1);

        ControlPlane follower = all.stream().filter(r -> !r.id().equals(leader.id())).findFirst().orElseThrow();
        ClusterStatus status = await().atMost(Replicas.WAIT).until(
                () -> replicas.admin(follower).getStatus(GetStatusRequest.getDefaultInstance()), s -> s.getReplicasCount() == 3);
        assertThat(status.getAnsweredBy()).isEqualTo(follower.id());
        assertThat(status.getLeaderId()).isEqualTo(leader.id());
        assertThat(status.getLeaderAddress()).isEqualTo(leader.address());
        assertThat(status.getEpoch()).isEqualTo(leader.epoch());
        assertThat(status.getSnapshotVersion()).isEqualTo(1);
        assertThat(status.getReplicasList()).extracting(Replica::getId).containsExactly("cp-1", "cp-2", "cp-3");
        assertThat(status.getReplicasList()).filteredOn(Replica::getLeader).extracting(Replica::getId)
                .containsExactly(leader.id());
    }

    @Test
    void closingTheLeaderMovesLeadershipToAHigherEpochAndNodesFollow() {
        replicas = new Replicas(zk);
        replicas.start("cp-1");
        replicas.start("cp-2");
        LeaderInfo first = replicas.awaitLeader(0);
        ControlPlane oldLeader = replicas.replica(first.id());
        TestNode node = replicas.node(oldLeader, "n1");
        Snapshot before = await().atMost(Replicas.WAIT).until(() -> node.latest().orElse(null), s -> s != null);
        assertThat(before.getEpoch()).isEqualTo(first.epoch());

        oldLeader.close();

        await().atMost(Replicas.WAIT).until(() -> node.ended().isPresent());
        assertThat(node.ended().orElseThrow().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(node.ended().orElseThrow().getDescription()).isEqualTo("not leader");
        LeaderInfo second = replicas.awaitLeader(first.epoch());
        assertThat(second.id()).isNotEqualTo(first.id());
        TestNode resubscribed = replicas.node(replicas.replica(second.id()), "n1");
        Snapshot after = await().atMost(Replicas.WAIT).until(() -> resubscribed.latest().orElse(null), s -> s != null);
        assertThat(after.getEpoch()).isEqualTo(second.epoch()).isGreaterThan(before.getEpoch());
        assertThat(after.getVersion()).isEqualTo(1);
    }

    @Test
    void expiringTheLeadersSessionMovesLeadershipAndEndsItsStreams() throws Exception {
        replicas = new Replicas(zk);
        replicas.start("cp-1");
        replicas.start("cp-2");
        LeaderInfo first = replicas.awaitLeader(0);
        ControlPlane oldLeader = replicas.replica(first.id());
        TestNode node = replicas.node(oldLeader, "n1");
        await().atMost(Replicas.WAIT).until(() -> node.latest().isPresent());

        KillSession.kill(oldLeader.zkClient().getZookeeperClient().getZooKeeper());

        await().atMost(Replicas.WAIT).until(() -> node.ended().isPresent());
        assertThat(node.ended().orElseThrow().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        LeaderInfo second = replicas.awaitLeader(first.epoch());
        TestNode resubscribed = replicas.node(replicas.replica(second.id()), "n1");
        Snapshot after = await().atMost(Replicas.WAIT).until(() -> resubscribed.latest().orElse(null), s -> s != null);
        assertThat(after.getEpoch()).isEqualTo(second.epoch()).isGreaterThan(first.epoch());
        // Whoever leads now, exactly one replica publishes.
        await().atMost(Replicas.WAIT).untilAsserted(() -> assertThat(
                List.of(replicas.replica("cp-1"), replicas.replica("cp-2")).stream()
                        .filter(r -> r.currentSnapshot().isPresent()).map(ControlPlane::id).toList())
                .containsExactly(replicas.leaderInfo().orElseThrow().id()));
    }

    @Test
    void aFollowerRedirectsToTheLeaderAndCompletes() {
        replicas = new Replicas(zk);
        replicas.start("cp-1");
        replicas.start("cp-2");
        LeaderInfo leader = replicas.awaitLeader(0);
        ControlPlane follower = replicas.replica(leader.id().equals("cp-1") ? "cp-2" : "cp-1");
        // The follower's view of control/leader comes from its cache: wait until it has it.
        await().atMost(Replicas.WAIT).untilAsserted(() -> {
            TestNode node = replicas.node(follower, "n1");
            await().atMost(Replicas.WAIT).until(() -> node.ended().isPresent());
            assertThat(node.ended().orElseThrow().isOk()).isTrue();
            assertThat(node.received).hasSize(1);
            assertThat(node.received.get(0).getRedirect()).isEqualTo(Redirect.newBuilder()
                    .setLeaderAddress(leader.address()).setLeaderEpoch(leader.epoch()).build());
        });
    }
}
