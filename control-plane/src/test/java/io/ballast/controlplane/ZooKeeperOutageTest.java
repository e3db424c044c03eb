package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.model.LeaderInfo;
import io.ballast.proto.v1.AdminGrpc;
import io.ballast.proto.v1.DrainRequest;
import io.ballast.proto.v1.GetStatusRequest;
import io.ballast.testing.ZooKeeperExtension;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** With ZooKeeper down the leader stops leading and the admin API answers UNAVAILABLE; both recover. Own server: it is stopped. */
class ZooKeeperOutageTest {

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
    void leaderStepsDownAndAdminIsUnavailableUntilZooKeeperReturns() throws Exception {
        replicas = new Replicas(zk);
        ControlPlane replica = replicas.start("cp-1");
        LeaderInfo first = replicas.awaitLeader(0);
        TestNode node = replicas.node(replica, "n1");
        await().atMost(Replicas.WAIT).until(() -> node.latest().isPresent());
        AdminGrpc.AdminBlockingStub admin = replicas.admin(replica);

        zk.server().stop();
        try {
            await().atMost(Replicas.WAIT).until(() -> node.ended().isPresent());
            assertThat(node.ended().orElseThrow().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(replica.currentSnapshot()).isEmpty();
            StatusRuntimeException error = await().atMost(Replicas.WAIT).until(() -> failureOf(admin), e -> e != null);
            assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(error.getStatus().getDescription()).contains("ZooKeeper");
        } finally {
            zk.server().restart();
        }

        LeaderInfo second = replicas.awaitLeader(first.epoch());
        assertThat(second.id()).isEqualTo("cp-1");
        await().atMost(Replicas.WAIT).until(() -> admin.getStatus(GetStatusRequest.getDefaultInstance()).getLeaderId().equals("cp-1"));
    }

    private static StatusRuntimeException failureOf(AdminGrpc.AdminBlockingStub admin) {
        try {
            admin.drain(DrainRequest.newBuilder().setService("web").setId("a").build());
            return null;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.NOT_FOUND ? null : e;
        }
    }
}
