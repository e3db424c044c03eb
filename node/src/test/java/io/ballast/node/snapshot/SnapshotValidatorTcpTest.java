package io.ballast.node.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.HashKey;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.TcpListener;
import org.junit.jupiter.api.Test;

/** The node refuses snapshots whose TCP listeners break the rules of snapshot.proto. */
class SnapshotValidatorTcpTest {

    private static Snapshot withTcp(Snapshot base, int serviceIndex, int port) {
        Service service = base.getServices(serviceIndex);
        return base.toBuilder().setServices(serviceIndex, service.toBuilder().setPolicy(service.getPolicy().toBuilder()
                .setTcp(TcpListener.newBuilder().setPort(port)))).build();
    }

    @Test
    void aValidListenerPasses() {
        assertThat(SnapshotValidator.problems(withTcp(TestSnapshots.web(1, 1), 0, 9000))).isEmpty();
    }

    @Test
    void twoServicesOnOnePortAndBadValuesAreRefused() {
        Snapshot base = TestSnapshots.web(1, 1);
        Snapshot two = base.toBuilder().addServices(base.getServices(0).toBuilder().setName("db")).build();
        Snapshot clash = withTcp(withTcp(two, 0, 9000), 1, 9000);
        assertThat(SnapshotValidator.problems(clash))
                .containsExactly("services[1].policy.tcp.port: 9000 (expected: unique, already used by services[0])");

        Snapshot bad = withTcp(base, 0, 0);
        bad = bad.toBuilder().setServices(0, bad.getServices(0).toBuilder().setPolicy(bad.getServices(0).getPolicy().toBuilder()
                .setAlgorithm(LbAlgorithm.RING_HASH).setHashKey(HashKey.newBuilder().setSource(HashKey.Source.COOKIE).setName("s"))))
                .build();
        assertThat(SnapshotValidator.problems(bad)).containsExactly(
                "services[0].policy.tcp.port: 0 (expected: 1..65535)",
                "services[0].policy.hash_key.source: COOKIE (expected: CLIENT_IP for a service with tcp: a TCP connection"
                        + " has no header, cookie or path)");
    }
}
