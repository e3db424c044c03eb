package io.ballast.controlplane.admin;

import io.ballast.common.json.Json;
import io.ballast.common.model.ServicePolicy;
import io.ballast.common.zk.ZkPaths;
import io.ballast.controlplane.zk.ZkCalls;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * Writes service policies to {@code config/services/<service>} (PERSISTENT).
 *
 * <p>A set replaces the whole payload (last writer wins: the payload has a single field, so
 * there is no other change to lose). Blocking; called on gRPC threads. ZooKeeper failures throw
 * {@link io.ballast.controlplane.zk.ZkCallException}.
 */
final class PolicyStore {

    private final CuratorFramework client;
    private final ZkPaths paths;

    PolicyStore(CuratorFramework client, ZkPaths paths) {
        this.client = client;
        this.paths = paths;
    }

    /** Persists {@code policy}; returns once ZooKeeper has it. */
    void set(String service, ServicePolicy policy) {
        String path = paths.serviceConfig(service);
        byte[] data = Json.write(policy);
        ZkCalls.call("writing " + path, () -> {
            while (true) {
                try {
                    client.setData().forPath(path, data);
                    return null;
                } catch (KeeperException.NoNodeException absent) {
                    try {
                        client.create().creatingParentsIfNeeded().forPath(path, data);
                        return null;
                    } catch (KeeperException.NodeExistsException raced) {
                        // Another admin call created it since: overwrite theirs on the next turn.
                    }
                }
            }
        });
    }
}
