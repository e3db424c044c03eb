package io.ballast.controlplane.admin;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.ballast.controlplane.zk.ZkCalls;
import java.nio.charset.StandardCharsets;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * Writes whole operator payloads (service policies, routes) as protobuf JSON to PERSISTENT
 * znodes under {@code config/}.
 *
 * <p>A put replaces the whole payload (last writer wins: each payload is one operator decision,
 * validated as a whole, so there is no other change inside it to lose). Blocking; called on gRPC
 * threads. ZooKeeper failures throw {@link io.ballast.controlplane.zk.ZkCallException}.
 */
final class ConfigStore {

    private final CuratorFramework client;

    ConfigStore(CuratorFramework client) {
        this.client = client;
    }

    /** Persists {@code message} at {@code path}; returns once ZooKeeper has it. */
    void put(String path, MessageOrBuilder message) {
        byte[] data = json(message);
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

    static byte[] json(MessageOrBuilder message) {
        try {
            return JsonFormat.printer().print(message).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
