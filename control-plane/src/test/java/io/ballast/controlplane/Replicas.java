package io.ballast.controlplane;

import static org.awaitility.Awaitility.await;

import io.ballast.common.json.Json;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.LeaderInfo;
import io.ballast.common.zk.ZkPaths;
import io.ballast.proto.v1.AdminGrpc;
import io.ballast.testing.ZooKeeperExtension;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * In-process control-plane replicas of one fresh cluster, plus a ZooKeeper client and gRPC
 * channels for the test. {@link #close()} closes everything, even after a failure.
 */
final class Replicas implements AutoCloseable {

    static final Duration SESSION = Duration.ofMillis(1_500);
    static final Duration WAIT = Duration.ofSeconds(10);

    final ZooKeeperExtension zk;
    final String cluster = ZooKeeperExtension.uniqueCluster("cp");
    final ZkPaths paths = ZkPaths.forCluster(cluster);
    final CuratorFramework client;
    private final List<ControlPlane> replicas = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    Replicas(ZooKeeperExtension zk) {
        this.zk = zk;
        this.client = zk.newClient(Duration.ofSeconds(10));
    }

    ControlPlane start(String id) {
        ControlPlane replica = ControlPlane.start(ControlPlaneConfig.builder()
                .zkConnect(zk.connectString())
                .cluster(cluster)
                .id(id)
                .listen("127.0.0.1:0")
                .sessionTimeout(SESSION)
                .debounce(Duration.ofMillis(10))
                .build());
        replicas.add(replica);
        return replica;
    }

    /** The leader record, if any. */
    Optional<LeaderInfo> leaderInfo() {
        try {
            return Optional.of(Json.read(client.getData().forPath(paths.leader()), LeaderInfo.class, "leader"));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for a leader record naming one of the given replicas whose epoch is above {@code minEpoch}. */
    LeaderInfo awaitLeader(long minEpoch) {
        return await().atMost(WAIT).until(() -> leaderInfo().filter(l -> l.epoch() > minEpoch).orElse(null), l -> l != null);
    }

    ControlPlane replica(String id) {
        return replicas.stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }

    ManagedChannel channel(ControlPlane replica) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", replica.port()).usePlaintext().build();
        closeables.add(() -> {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        });
        return channel;
    }

    AdminGrpc.AdminBlockingStub admin(ControlPlane replica) {
        return AdminGrpc.newBlockingStub(channel(replica)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    TestNode node(ControlPlane replica, String nodeId) {
        TestNode node = TestNode.subscribe(channel(replica), nodeId);
        closeables.add(node);
        return node;
    }

    void add(AutoCloseable closeable) {
        closeables.add(closeable);
    }

    static BackendRegistration registration(String service, String id, int port, int weight) {
        return new BackendRegistration(service, id, "127.0.0.1", port, "z1", weight, Map.of(), "test", 1L, null);
    }

    /** Writes an ephemeral registration as an agent would (owned by the test's ZooKeeper client). */
    void register(BackendRegistration registration) throws Exception {
        register(registration.service(), registration.id(), Json.write(registration));
    }

    void register(String service, String id, byte[] payload) throws Exception {
        client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(paths.backend(service, id), payload);
    }

    void deregister(String service, String id) throws Exception {
        client.delete().forPath(paths.backend(service, id));
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                failure = failure == null ? new IllegalStateException("close failed", e) : failure;
            }
        }
        for (ControlPlane replica : replicas) {
            try {
                replica.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
