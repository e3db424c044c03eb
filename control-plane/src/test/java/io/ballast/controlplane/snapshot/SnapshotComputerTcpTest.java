package io.ballast.controlplane.snapshot;

import static io.ballast.controlplane.snapshot.SnapshotComputerTest.reg;
import static io.ballast.controlplane.snapshot.SnapshotComputerTest.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.ServicePolicy;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.TcpListener;
import org.junit.jupiter.api.Test;

/** The operator's TCP listener reaches every node in the snapshot, with the defaults of the other fields. */
class SnapshotComputerTcpTest {

    @Test
    void aServicesTcpListenerIsCarriedIntoTheSnapshotAndKeepsItsHttpRoute() {
        ServicePolicy tcp = ServicePolicy.newBuilder().setAlgorithm(LbAlgorithm.LEAST_CONNECTIONS)
                .setSettings(Policy.newBuilder().setTcp(TcpListener.newBuilder().setPort(15432).setIdleTimeoutMillis(60_000)))
                .build();
        Snapshot snapshot = SnapshotComputer.compute(state(reg("db", "a", 1)).withPolicy("db", tcp), 1, 1, 0, "web");

        Policy policy = snapshot.getServices(0).getPolicy();
        assertThat(policy.getTcp()).isEqualTo(TcpListener.newBuilder().setPort(15432).setIdleTimeoutMillis(60_000).build());
        assertThat(policy.getAlgorithm()).isEqualTo(LbAlgorithm.LEAST_CONNECTIONS);
        assertThat(policy.getConnectTimeoutMillis()).isEqualTo(SnapshotComputer.CONNECT_TIMEOUT_MILLIS);
        assertThat(snapshot.getRoutesList()).anyMatch(route -> route.getHost().equals("db"));
    }
}
