package io.ballast.controlplane.election;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import io.ballast.controlplane.zk.ZkCallException;
import io.ballast.controlplane.zk.ZkCalls;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Raises the persistent epoch counter {@code control/epoch}: reads it with its stat version and
 * writes {@code epoch + 1} expecting that version, so two replicas that both believe they lead
 * can never obtain the same epoch.
 *
 * <p>Blocking ZooKeeper calls: call from an I/O thread, never from the state thread.
 */
public final class EpochCounter {

    private final CuratorFramework client;
    private final String path;

    public EpochCounter(CuratorFramework client, String path) {
        this.client = client;
        this.path = path;
    }

    /**
     * The new epoch, or empty when {@code stillLeading} turned false before the write succeeded.
     *
     * @throws ZkCallException any ZooKeeper failure other than a lost race (the caller retries)
     * @throws IllegalStateException when the counter holds something other than a decimal number
     */
    public OptionalLong raise(BooleanSupplier stillLeading) {
        return ZkCalls.call("raising " + path, () -> raiseOrThrow(stillLeading));
    }

    private OptionalLong raiseOrThrow(BooleanSupplier stillLeading) throws Exception {
        while (stillLeading.getAsBoolean()) {
            Stat stat = new Stat();
            byte[] data;
            try {
                data = client.getData().storingStatIn(stat).forPath(path);
            } catch (KeeperException.NoNodeException e) {
                try {
                    client.create().creatingParentsIfNeeded().forPath(path, encode(0));
                } catch (KeeperException.NodeExistsException raced) {
                    // Another replica created it first: read theirs.
                }
                continue;
            }
            long next = decode(data) + 1;
            try {
                client.setData().withVersion(stat.getVersion()).forPath(path, encode(next));
                return OptionalLong.of(next);
            } catch (KeeperException.BadVersionException raced) {
                // Someone else raised it since our read: re-read, if we still lead.
            }
        }
        return OptionalLong.empty();
    }

    private long decode(byte[] data) {
        String text = data == null ? "" : new String(data, StandardCharsets.UTF_8).trim();
        try {
            long value = Long.parseLong(text);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException(path + ": \"" + text + "\" (expected: a decimal number >= 0)");
    }

    private static byte[] encode(long value) {
        return Long.toString(value).getBytes(StandardCharsets.UTF_8);
    }
}
