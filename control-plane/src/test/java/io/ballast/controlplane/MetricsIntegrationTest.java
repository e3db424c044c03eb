package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.common.model.LeaderInfo;
import io.ballast.proto.v1.ControlPlaneGrpc;
import io.ballast.proto.v1.Hello;
import io.ballast.proto.v1.Nack;
import io.ballast.proto.v1.NodeMessage;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.testing.Scrape;
import io.ballast.testing.ZooKeeperExtension;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** {@code --metrics}: a real replica pair over a real ZooKeeper, scraped over HTTP. */
class MetricsIntegrationTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    private Replicas replicas;

    @BeforeEach
    void cluster() {
        replicas = new Replicas(zk);
    }

    @AfterEach
    void closeAll() {
        replicas.close();
    }

    private ControlPlane startWithMetrics(String id) {
        ControlPlane replica = ControlPlane.start(ControlPlaneConfig.builder()
                .zkConnect(zk.connectString())
                .cluster(replicas.cluster)
                .id(id)
                .listen("127.0.0.1:0")
                .sessionTimeout(Replicas.SESSION)
                .debounce(Duration.ofMillis(10))
                .metrics("127.0.0.1:0")
                .build());
        replicas.add(replica);
        return replica;
    }

    private static Scrape scrape(ControlPlane replica) {
        Scrape scrape = Scrape.of(replica.metricsAddress().orElseThrow());
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        return scrape;
    }

    @Test
    void theLeaderReportsItsLeadershipEpochSnapshotVersionNodesAndAcks() throws Exception {
        ControlPlane first = startWithMetrics("cp-1");
        LeaderInfo leader = replicas.awaitLeader(0);
        ControlPlane second = startWithMetrics("cp-2");
        assertThat(leader.id()).isEqualTo("cp-1");

        await().atMost(Replicas.WAIT).until(() -> scrape(first).value("ballast_control_plane_leader") == 1);
        Scrape leading = scrape(first);
        assertThat(leading.value("ballast_control_plane_epoch")).isEqualTo(leader.epoch());
        assertThat(leading.value("ballast_control_plane_snapshot_version")).isEqualTo(1);
        Scrape following = scrape(second);
        assertThat(following.value("ballast_control_plane_leader")).isZero();
        assertThat(following.value("ballast_control_plane_snapshot_version")).isZero();

        TestNode node = replicas.node(first, "n1");
        await().atMost(Replicas.WAIT).until(() -> scrape(first).value("ballast_control_plane_nodes_connected") == 1);
        await().atMost(Replicas.WAIT)
                .until(() -> scrape(first).value("ballast_control_plane_push_ack_duration_seconds_count") >= 1);

        replicas.register(Replicas.registration("web", "a", 8081, 10));
        await().atMost(Replicas.WAIT).until(() -> node.latest().orElseThrow().getServicesCount() == 1);
        long version = node.latest().orElseThrow().getVersion();
        await().atMost(Replicas.WAIT).until(() -> scrape(first).value("ballast_control_plane_snapshot_version") == version);
        await().atMost(Replicas.WAIT)
                .until(() -> scrape(first).value("ballast_control_plane_push_ack_duration_seconds_count") >= 2);
        assertThat(scrape(first).value("ballast_control_plane_push_ack_duration_seconds_bucket", "le", "+Inf"))
                .isEqualTo(scrape(first).value("ballast_control_plane_push_ack_duration_seconds_count"));
        assertThat(scrape(first).value("ballast_control_plane_nacks_total")).isZero();

        node.close();
        await().atMost(Replicas.WAIT).until(() -> scrape(first).value("ballast_control_plane_nodes_connected") == 0);

        // The leader leaves: the other replica takes over and its gauges say so.
        first.close();
        LeaderInfo successor = replicas.awaitLeader(leader.epoch());
        assertThat(successor.id()).isEqualTo("cp-2");
        await().atMost(Replicas.WAIT).until(() -> scrape(second).value("ballast_control_plane_leader") == 1);
        assertThat(scrape(second).value("ballast_control_plane_epoch")).isEqualTo(successor.epoch());
    }

    @Test
    void countsTheNacksOfANodeThatRefusesEverySnapshot() {
        ControlPlane replica = startWithMetrics("cp-1");
        replicas.awaitLeader(0);
        RefusingNode refusing = new RefusingNode();
        ControlPlaneGrpc.newStub(replicas.channel(replica)).subscribe(refusing);
        refusing.requests.onNext(NodeMessage.newBuilder().setHello(Hello.newBuilder().setNodeId("n-refuses")).build());
        replicas.add(() -> refusing.requests.cancel("test done", null));

        await().atMost(Replicas.WAIT).until(() -> scrape(replica).value("ballast_control_plane_nacks_total") == 1);
        assertThat(scrape(replica).value("ballast_control_plane_push_ack_duration_seconds_count")).isZero();
    }

    /** A node that answers every snapshot with a NACK. */
    private static final class RefusingNode implements ClientResponseObserver<NodeMessage, ServerMessage> {
        private ClientCallStreamObserver<NodeMessage> requests; // set by the stub before subscribe() returns

        @Override
        public void beforeStart(ClientCallStreamObserver<NodeMessage> stream) {
            requests = stream;
        }

        @Override
        public void onNext(ServerMessage message) {
            if (message.hasSnapshot()) {
                requests.onNext(NodeMessage.newBuilder().setNack(Nack.newBuilder()
                        .setNonce(message.getSnapshot().getNonce())
                        .setEpoch(message.getSnapshot().getSnapshot().getEpoch())
                        .setVersion(message.getSnapshot().getSnapshot().getVersion())
                        .setErrorDetail("test: refused")).build());
            }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
    }

    @Test
    void metricsAreOffUnlessAskedForAndTheOptionIsValidated() {
        ControlPlaneCommand command = new ControlPlaneCommand();
        new CommandLine(command).parseArgs();
        assertThat(command.toConfig().metrics()).isEmpty();

        ControlPlaneCommand on = new ControlPlaneCommand();
        new CommandLine(on).parseArgs("--metrics", "0.0.0.0:9102");
        assertThat(on.toConfig().metrics()).hasValueSatisfying(address -> {
            assertThat(address.getHostString()).isEqualTo("0.0.0.0");
            assertThat(address.getPort()).isEqualTo(9102);
        });

        ControlPlaneCommand bad = new ControlPlaneCommand();
        new CommandLine(bad).parseArgs("--metrics", "9102");
        assertThatThrownBy(bad::toConfig).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("metrics: \"9102\" (expected: host:port with port 0..65535)");
    }
}
