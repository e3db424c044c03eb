package io.ballast.controlplane.admin;

import io.ballast.common.json.Json;
import io.ballast.common.model.EndpointOverride;
import io.ballast.common.zk.ZkPaths;
import io.ballast.controlplane.zk.ZkCalls;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Reads and writes operator overrides in {@code config/endpoints/<service>/<id>}.
 *
 * <p>Each update is a compare-and-set on the znode version, retried on a lost race, so
 * concurrent admin calls on any replicas never lose each other's change. An override that
 * becomes empty is deleted. Blocking; called on gRPC threads. ZooKeeper failures throw
 * {@link io.ballast.controlplane.zk.ZkCallException}.
 */
final class OverrideStore {

    private final CuratorFramework client;
    private final ZkPaths paths;

    OverrideStore(CuratorFramework client, ZkPaths paths) {
        this.client = client;
        this.paths = paths;
    }

    /**
     * Applies {@code change} to the current override (NONE when absent) and persists the
     * result; returns it once ZooKeeper has it. {@code change} may throw to abort.
     */
    EndpointOverride update(String service, String id, UnaryOperator<EndpointOverride> change) {
        String path = paths.endpointConfig(service, id);
        return ZkCalls.call("writing " + path, () -> {
            while (true) {
                Stat stat = new Stat();
                EndpointOverride current;
                boolean exists;
                try {
                    current = parse(client.getData().storingStatIn(stat).forPath(path));
                    exists = true;
                } catch (KeeperException.NoNodeException e) {
                    current = EndpointOverride.NONE;
                    exists = false;
                }
                EndpointOverride next = change.apply(current);
                try {
                    if (next.isEmpty()) {
                        if (exists) {
                            client.delete().withVersion(stat.getVersion()).forPath(path);
                        }
                    } else if (!exists) {
                        client.create().creatingParentsIfNeeded().forPath(path, Json.write(next));
                    } else if (!next.equals(current)) {
                        client.setData().withVersion(stat.getVersion()).forPath(path, Json.write(next));
                    }
                    return next;
                } catch (KeeperException.BadVersionException | KeeperException.NoNodeException
                         | KeeperException.NodeExistsException raced) {
                    // Another admin call changed it since our read: apply the change to theirs.
                }
            }
        });
    }

    private static EndpointOverride parse(byte[] data) {
        try {
            return Json.read(data, EndpointOverride.class, "override");
        } catch (IllegalArgumentException e) {
            // A corrupt override is replaced by the operator's next write rather than blocking it.
            return EndpointOverride.NONE;
        }
    }
}
