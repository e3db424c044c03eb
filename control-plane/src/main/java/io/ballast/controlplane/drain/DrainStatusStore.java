package io.ballast.controlplane.drain;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.ballast.common.zk.ZkPaths;
import io.ballast.controlplane.zk.ZkCalls;
import io.ballast.proto.v1.DrainStatus;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * The drain barrier's status in {@code control/drains/<service>/<id>} (PERSISTENT, protobuf JSON
 * of {@link DrainStatus}): written by the leader, read by the admin API of any replica (a Drain
 * that waits polls it). Blocking: the leader calls it on its ZooKeeper thread, the admin API on
 * gRPC threads. ZooKeeper failures throw {@link io.ballast.controlplane.zk.ZkCallException}.
 */
public final class DrainStatusStore {

    private final CuratorFramework client;
    private final ZkPaths paths;

    public DrainStatusStore(CuratorFramework client, ZkPaths paths) {
        this.client = client;
        this.paths = paths;
    }

    public void write(String service, String id, DrainStatus status) {
        String path = paths.drain(service, id);
        byte[] data;
        try {
            data = JsonFormat.printer().print(status).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
        ZkCalls.call("writing " + path, () -> {
            try {
                client.setData().forPath(path, data);
            } catch (KeeperException.NoNodeException absent) {
                try {
                    client.create().creatingParentsIfNeeded().forPath(path, data);
                } catch (KeeperException.NodeExistsException raced) {
                    client.setData().forPath(path, data);
                }
            }
            return null;
        });
    }

    public void delete(String service, String id) {
        String path = paths.drain(service, id);
        ZkCalls.call("deleting " + path, () -> {
            try {
                client.delete().forPath(path);
            } catch (KeeperException.NoNodeException gone) {
                // nothing to delete
            }
            return null;
        });
    }

    /** The status the leader last wrote, empty when there is none (not drained, or not evaluated yet). */
    public Optional<DrainStatus> read(String service, String id) {
        String path = paths.drain(service, id);
        byte[] data = ZkCalls.call("reading " + path, () -> {
            try {
                return client.getData().forPath(path);
            } catch (KeeperException.NoNodeException absent) {
                return null;
            }
        });
        if (data == null) {
            return Optional.empty();
        }
        DrainStatus.Builder status = DrainStatus.newBuilder();
        try {
            JsonFormat.parser().ignoringUnknownFields().merge(new String(data, StandardCharsets.UTF_8), status);
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
        return Optional.of(status.build());
    }
}
