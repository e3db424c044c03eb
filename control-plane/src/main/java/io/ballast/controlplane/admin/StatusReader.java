package io.ballast.controlplane.admin;

import io.ballast.common.json.Json;
import io.ballast.common.model.LeaderInfo;
import io.ballast.common.model.NodeRegistration;
import io.ballast.common.model.ReplicaInfo;
import io.ballast.common.zk.ZkPaths;
import io.ballast.controlplane.zk.ZkCalls;
import io.ballast.proto.v1.ClusterStatus;
import io.ballast.proto.v1.NodeStatus;
import io.ballast.proto.v1.Replica;
import java.util.List;
import io.ballast.controlplane.stream.StreamView;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the cluster status straight from ZooKeeper ({@code control/leader},
 * {@code control/replicas/}, {@code nodes/}), so that any replica answers the same.
 *
 * <p>Blocking; called on gRPC threads. Unparsable entries are skipped (and logged); ZooKeeper
 * failures throw {@link io.ballast.controlplane.zk.ZkCallException}.
 */
final class StatusReader {

    private static final Logger log = LoggerFactory.getLogger(StatusReader.class);

    private final CuratorFramework client;
    private final ZkPaths paths;

    StatusReader(CuratorFramework client, ZkPaths paths) {
        this.client = client;
        this.paths = paths;
    }

    /**
     * @param answeredBy id of this replica
     * @param streams the control streams of the nodes subscribed to this replica (empty unless it
     *     leads): connection time and last answer; a NACK's error is used when the node's own
     *     registration reports none yet
     * @param zookeeperState this replica's ZooKeeper connection
     */
    ClusterStatus read(String answeredBy, Map<String, StreamView> streams, String zookeeperState) {
        ClusterStatus.Builder status = ClusterStatus.newBuilder().setAnsweredBy(answeredBy).setZookeeperState(zookeeperState);
        Optional<LeaderInfo> leader = read(paths.leader(), LeaderInfo.class);
        leader.ifPresent(l -> status.setLeaderId(l.id()).setLeaderAddress(l.address()).setEpoch(l.epoch())
                .setSnapshotVersion(l.version()));
        for (String child : children(paths.replicas())) {
            read(paths.replica(child), ReplicaInfo.class).ifPresent(r -> status.addReplicas(Replica.newBuilder()
                    .setId(r.id())
                    .setAddress(r.address())
                    .setLeader(leader.map(l -> l.id().equals(r.id())).orElse(false))
                    .setServing(true))); // registered: its ZooKeeper session is alive, and it serves the admin API
        }
        for (String child : children(paths.nodes())) {
            read(paths.node(child), NodeRegistration.class).ifPresent(n -> {
                StreamView stream = streams.get(n.id());
                NodeStatus.Builder node = NodeStatus.newBuilder()
                        .setId(n.id())
                        .setProxyAddress(n.proxyAddress())
                        .setZone(n.zone())
                        .setAppliedEpoch(n.appliedEpoch())
                        .setAppliedVersion(n.appliedVersion())
                        .setLastError(n.lastError().isEmpty() && stream != null ? stream.lastError() : n.lastError());
                leader.filter(l -> l.epoch() == n.appliedEpoch() && l.version() > n.appliedVersion())
                        .ifPresent(l -> node.setLagVersions(l.version() - n.appliedVersion()));
                if (stream != null) {
                    node.setConnected(true).setConnectedSinceUnixMillis(stream.connectedAtMillis())
                            .setLastAnswer(stream.lastAnswer()).setLastAnswerVersion(stream.lastAnswerVersion());
                }
                status.addNodes(node);
            });
        }
        return status.build();
    }

    private List<String> children(String path) {
        return ZkCalls.call("listing " + path, () -> {
            try {
                return client.getChildren().forPath(path).stream().sorted().toList();
            } catch (KeeperException.NoNodeException e) {
                return List.of();
            }
        });
    }

    private <T> Optional<T> read(String path, Class<T> type) {
        byte[] data = ZkCalls.call("reading " + path, () -> {
            try {
                return client.getData().forPath(path);
            } catch (KeeperException.NoNodeException e) {
                return null; // went away since it was listed, or absent
            }
        });
        if (data == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.read(data, type, path));
        } catch (IllegalArgumentException e) {
            log.warn("skipping {}", e.getMessage());
            return Optional.empty();
        }
    }
}
