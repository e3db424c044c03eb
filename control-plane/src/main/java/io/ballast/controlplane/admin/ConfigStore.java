package io.ballast.controlplane.admin;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.ballast.controlplane.zk.ZkCalls;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Writes whole operator payloads (service policies, routes) as protobuf JSON to PERSISTENT
 * znodes under {@code config/}.
 *
 * <p>A put replaces the whole payload: unconditionally (last writer wins: each payload is one
 * operator decision, validated as a whole), or, with an expected version, as a compare-and-set
 * on the znode version, so a client that read version v never overwrites a change it did not see
 * (FAILED_PRECONDITION names both versions). Version -1 means "there must be none yet". Blocking;
 * called on gRPC threads. ZooKeeper failures throw {@link io.ballast.controlplane.zk.ZkCallException}.
 */
final class ConfigStore {

    static final int ABSENT = -1;

    private final CuratorFramework client;

    ConfigStore(CuratorFramework client) {
        this.client = client;
    }

    /** Persists {@code message} at {@code path}; returns the znode's new version once ZooKeeper has it. */
    int put(String path, MessageOrBuilder message, OptionalInt expectedVersion) {
        byte[] data = json(message);
        return ZkCalls.call("writing " + path, () -> {
            if (expectedVersion.isPresent()) {
                int expected = expectedVersion.getAsInt();
                try {
                    if (expected == ABSENT) {
                        client.create().creatingParentsIfNeeded().forPath(path, data);
                        return 0;
                    }
                    return client.setData().withVersion(expected).forPath(path, data).getVersion();
                } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException
                         | KeeperException.NoNodeException lost) {
                    throw lostUpdate(path, expected);
                }
            }
            while (true) {
                try {
                    return client.setData().forPath(path, data).getVersion();
                } catch (KeeperException.NoNodeException absent) {
                    try {
                        client.create().creatingParentsIfNeeded().forPath(path, data);
                        return 0;
                    } catch (KeeperException.NodeExistsException raced) {
                        // Another admin call created it since: overwrite theirs on the next turn.
                    }
                }
            }
        });
    }

    /** Deletes {@code path} (guarded like {@link #put}); returns whether there was something to delete. */
    boolean delete(String path, OptionalInt expectedVersion) {
        return ZkCalls.call("deleting " + path, () -> {
            if (expectedVersion.isPresent() && expectedVersion.getAsInt() == ABSENT) {
                if (client.checkExists().forPath(path) != null) {
                    throw lostUpdate(path, ABSENT);
                }
                return false;
            }
            try {
                client.delete().withVersion(expectedVersion.orElse(-1)).forPath(path);
                return true;
            } catch (KeeperException.NoNodeException gone) {
                if (expectedVersion.isPresent()) {
                    throw lostUpdate(path, expectedVersion.getAsInt());
                }
                return false; // idempotent
            } catch (KeeperException.BadVersionException lost) {
                throw lostUpdate(path, expectedVersion.getAsInt());
            }
        });
    }

    /** The znode's version, {@link #ABSENT} when there is none. */
    int version(String path) {
        return ZkCalls.call("reading " + path, () -> {
            Stat stat = client.checkExists().forPath(path);
            return stat == null ? ABSENT : stat.getVersion();
        });
    }

    private AdminException lostUpdate(String path, int expected) {
        int actual;
        try {
            Stat stat = client.checkExists().forPath(path);
            actual = stat == null ? ABSENT : stat.getVersion();
        } catch (Exception e) {
            actual = Integer.MIN_VALUE;
        }
        return new AdminException(Status.FAILED_PRECONDITION.withDescription("expected_version: " + expected
                + " (expected: the current version " + (actual == Integer.MIN_VALUE ? "?" : String.valueOf(actual))
                + " of " + path + "; it changed since you read it: read again and retry)"));
    }

    static byte[] json(MessageOrBuilder message) {
        try {
            return JsonFormat.printer().print(message).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
