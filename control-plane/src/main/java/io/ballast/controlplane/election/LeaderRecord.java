package io.ballast.controlplane.election;

import io.ballast.common.json.Json;
import io.ballast.common.model.LeaderInfo;
import io.ballast.controlplane.zk.ZkCalls;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's {@code control/leader} znode (EPHEMERAL, JSON {@link LeaderInfo}).
 *
 * <p>Every write is conditional on the znode version this replica last wrote, so a replica
 * that lost leadership can never overwrite or delete its successor's record; and a claim never
 * replaces a record with a higher epoch (this replica is then the stale one).
 *
 * <p>Threading: blocking ZooKeeper calls, confined to the control plane's single I/O thread.
 * Failures throw {@link io.ballast.controlplane.zk.ZkCallException}.
 */
public final class LeaderRecord {

    private static final Logger log = LoggerFactory.getLogger(LeaderRecord.class);

    private final CuratorFramework client;
    private final String path;
    private LeaderInfo written;
    private int ownVersion = -1;
    /**
     * Creation zxid of the znode we created: the version alone cannot tell our record from a
     * successor's (both start at version 0 when our session expired and theirs was created).
     */
    private long ownCzxid;

    public LeaderRecord(CuratorFramework client, String path) {
        this.client = client;
        this.path = path;
    }

    /**
     * Writes {@code info} as the leader record, first deleting a stale record of a lower epoch
     * (a previous leader's, which survives while its session lingers).
     *
     * @return false when a record with a higher epoch exists: a newer leader was elected
     */
    public boolean claim(LeaderInfo info) {
        return ZkCalls.call("claiming " + path, () -> {
            while (true) {
                Stat stat = new Stat();
                try {
                    byte[] data = client.getData().storingStatIn(stat).forPath(path);
                    LeaderInfo existing = parse(data);
                    if (existing != null && existing.epoch() > info.epoch()) {
                        log.warn("not claiming {}: it holds epoch {} of {}, newer than our {}", path, existing.epoch(),
                                existing.id(), info.epoch());
                        return false;
                    }
                    log.info("deleting stale leader record {}", existing);
                    client.delete().withVersion(stat.getVersion()).forPath(path);
                } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
                    // Nothing there, or it changed under us: try to create / re-read.
                }
                try {
                    Stat created = new Stat();
                    client.create().storingStatIn(created).creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
                            .forPath(path, Json.write(info));
                    written = info;
                    ownVersion = 0;
                    ownCzxid = created.getCzxid();
                    return true;
                } catch (KeeperException.NodeExistsException e) {
                    // Someone wrote it between our delete and create: look again.
                }
            }
        });
    }

    /** Records {@code version} as the latest published snapshot version, if the record is still ours. */
    public void updateVersion(long version) {
        if (ownVersion < 0 || written.version() == version) {
            return;
        }
        LeaderInfo next = new LeaderInfo(written.id(), written.address(), written.epoch(), version);
        ZkCalls.call("updating " + path, () -> {
            try {
                requireOurs();
                Stat stat = client.setData().withVersion(ownVersion).forPath(path, Json.write(next));
                ownVersion = stat.getVersion();
                written = next;
            } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
                log.warn("{} is no longer ours (session lost or replaced); not updating it", path);
                ownVersion = -1;
            }
            return null;
        });
    }

    /** Deletes the record if it is still ours; does nothing otherwise. */
    public void release() {
        if (ownVersion < 0) {
            return;
        }
        int version = ownVersion;
        ownVersion = -1;
        ZkCalls.call("deleting " + path, () -> {
            try {
                requireOurs();
                client.delete().withVersion(version).forPath(path);
            } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
                // Already gone with our session, or replaced by a successor: not ours to delete.
            }
            return null;
        });
    }

    /** Throws BadVersionException when the znode at {@link #path} is not the one we created. */
    private void requireOurs() throws Exception {
        Stat stat = client.checkExists().forPath(path);
        if (stat == null) {
            throw new KeeperException.NoNodeException(path);
        }
        if (stat.getCzxid() != ownCzxid) {
            throw new KeeperException.BadVersionException(path);
        }
    }

    private static LeaderInfo parse(byte[] data) {
        try {
            return Json.read(data, LeaderInfo.class, "control/leader");
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
