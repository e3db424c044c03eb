package io.ballast.e2e.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.json.Json;
import io.ballast.common.model.LeaderInfo;
import io.ballast.common.zk.ZkPaths;
import io.ballast.proto.v1.ControlPlaneGrpc;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.NodeMessage;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotPush;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An invalid snapshot pushed under a higher epoch. We chose a rogue leader over a policy
 * written straight into ZooKeeper because the control plane validates what it reads from
 * {@code config/} (an invalid stored policy is ignored and logged, never pushed), so the only
 * realistic way an invalid snapshot reaches a node is a control plane that builds one: a buggy
 * release, or a replica that claims leadership wrongly. The rogue is a real gRPC server (in the
 * test JVM) that takes over {@code control/leader} with a higher epoch once every replica is
 * SIGKILLed (their ephemeral record expires with their sessions) and answers every node's Hello
 * with a snapshot whose endpoint has port 0.
 */
class InvalidSnapshotChaosTest {

    @RegisterExtension
    final ChaosScenario chaos = new ChaosScenario();

    /** Converge: until every node has NACKed the rogue's snapshot. */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void invalidSnapshotPushed() throws Exception {
        ChaosScenario.Topology t = chaos.start(2, 3, 2);
        ChaosCluster cluster = chaos.cluster();
        chaos.invariant("0 failed; every node NACKs the rogue's higher-epoch invalid snapshot and keeps its own");
        org.awaitility.Awaitility.await("every node on the leader's epoch").atMost(Duration.ofSeconds(30))
                .until(() -> cluster.leader().map(l -> t.nodes().stream().allMatch(n -> cluster.appliedEpoch(n) == l.epoch()))
                        .orElse(false));
        LeaderInfo real = cluster.leader().orElseThrow();
        Map<String, Long> versions = new ConcurrentHashMap<>();
        for (ChaosCluster.NodeAddresses node : t.nodes()) {
            versions.put(node.id(), cluster.snapshot(node).orElseThrow().path("applied").path("version").asLong());
        }
        chaos.load(150, t.nodeArray());
        chaos.runFor(300);
        t.controlPlanes().forEach(cluster::kill);
        String leaderPath = ZkPaths.forCluster(ZkPaths.DEFAULT_CLUSTER).leader();
        org.awaitility.Awaitility.await("the dead leader's record expires").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100)).until(() -> cluster.observer().checkExists().forPath(leaderPath) == null);

        RogueLeader rogue = chaos.closeAfter(new RogueLeader(cluster.newHost(), real.epoch() + 1));
        chaos.inject("a rogue leader at epoch " + (real.epoch() + 1) + " pushing endpoint port 0", () -> {
            try {
                cluster.observer().create().withMode(CreateMode.EPHEMERAL).forPath(leaderPath,
                        Json.mapper().writeValueAsBytes(new LeaderInfo("rogue", rogue.address(), real.epoch() + 1, 1)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        chaos.awaitConverged("every node NACKed the rogue's snapshot", Duration.ofSeconds(30),
                () -> t.nodes().stream().allMatch(n -> rogue.nacks.containsKey(n.id())));
        chaos.runFor(300);
        for (ChaosCluster.NodeAddresses node : t.nodes()) {
            var applied = cluster.snapshot(node).orElseThrow().path("applied");
            assertThat(applied.path("epoch").asLong()).as("%s's applied epoch", node.id()).isEqualTo(real.epoch());
            assertThat(applied.path("version").asLong()).as("%s's applied version", node.id()).isEqualTo(versions.get(node.id()));
            assertThat(applied.path("highestEpochSeen").asLong()).as("%s's highest epoch seen (an invalid snapshot does not raise it)",
                    node.id()).isEqualTo(real.epoch());
            assertThat(cluster.webEndpoints(node)).as("%s's endpoints", node.id()).hasSize(3);
            System.out.printf("[chaos] %s NACKed: %s%n", node.id(), rogue.nacks.get(node.id()));
        }
        assertThat(rogue.acks).as("ACKs the rogue got").isEmpty();
        chaos.finish();
    }

    /** A gRPC ControlPlane that answers every Hello with the same invalid snapshot and records ACKs and NACKs by node id. */
    static final class RogueLeader extends ControlPlaneGrpc.ControlPlaneImplBase implements AutoCloseable {
        final Map<String, String> nacks = new ConcurrentHashMap<>();
        final Map<String, String> acks = new ConcurrentHashMap<>();
        private final long epoch;
        private final Server server;

        RogueLeader(String host, long epoch) {
            this.epoch = epoch;
            try {
                server = NettyServerBuilder.forAddress(new InetSocketAddress(host, 0)).addService(this)
                        .permitKeepAliveTime(5, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true).build().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String address() {
            InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
            return bound.getAddress().getHostAddress() + ":" + bound.getPort();
        }

        @Override
        public StreamObserver<NodeMessage> subscribe(StreamObserver<ServerMessage> responses) {
            return new StreamObserver<>() {
                private volatile String nodeId = "?";

                @Override
                public void onNext(NodeMessage message) {
                    switch (message.getKindCase()) {
                        case HELLO -> {
                            nodeId = message.getHello().getNodeId();
                            Snapshot invalid = Snapshot.newBuilder().setEpoch(epoch).setVersion(1).setDefaultService("web")
                                    .setComputedAtUnixMillis(System.currentTimeMillis())
                                    .addServices(Service.newBuilder().setName("web").addEndpoints(Endpoint.newBuilder()
                                            .setId("rogue").setHost("127.0.0.1").setPort(0).setWeight(1).setState(EndpointState.ACTIVE)))
                                    .build();
                            responses.onNext(ServerMessage.newBuilder().setSnapshot(SnapshotPush.newBuilder()
                                    .setNonce("rogue-" + nodeId).setSnapshot(invalid)).build());
                        }
                        case NACK -> nacks.put(nodeId, message.getNack().getErrorDetail());
                        case ACK -> acks.put(nodeId, message.getAck().toString());
                        default -> { }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    // the node went away
                }

                @Override
                public void onCompleted() {
                    responses.onCompleted();
                }
            };
        }

        @Override
        public void close() throws InterruptedException {
            server.shutdownNow();
            server.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
