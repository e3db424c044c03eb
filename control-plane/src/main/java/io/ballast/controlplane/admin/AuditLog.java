package io.ballast.controlplane.admin;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.ballast.common.zk.ZkPaths;
import io.ballast.controlplane.zk.ZkCalls;
import io.ballast.proto.v1.AuditEntry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log in ZooKeeper: one PERSISTENT_SEQUENTIAL znode {@code audit/entry-NNNNNNNNNN} per
 * admin mutation (protobuf JSON of {@link AuditEntry}), written by whichever replica served the
 * call, so every replica reads the same log. The sequence number orders entries cluster-wide.
 * The newest {@link #RETAINED} are kept; older ones are deleted by the writer.
 *
 * <p>Blocking; gRPC threads. An entry is written after the mutation is persisted and before the
 * call is answered; if that write fails the caller gets the ZooKeeper error although the change
 * itself stands (it is visible in the state), which the error message says. Unparsable entries
 * are skipped when listing.
 */
final class AuditLog {

    static final int RETAINED = 10_000;
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);

    private final CuratorFramework client;
    private final ZkPaths paths;

    AuditLog(CuratorFramework client, ZkPaths paths) {
        this.client = client;
        this.paths = paths;
    }

    void append(AuditEntry entry) {
        byte[] data = ConfigStore.json(entry);
        String created = ZkCalls.call("writing the audit log (the change itself is persisted)", () -> client.create()
                .creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(paths.auditEntry(), data));
        log.info("audit: {} {} {} by {} ({}): {} -> {}", created.substring(created.lastIndexOf('/') + 1), entry.getMethod(),
                entry.getTarget(), entry.getIdentity(), entry.getRole(), entry.getBefore(), entry.getAfter());
        // Listing the log costs O(entries): trim on every 100th entry only.
        if (created.endsWith("00")) {
            trim();
        }
    }

    /** The newest {@code limit} entries, oldest first. */
    List<AuditEntry> newest(int limit) {
        List<String> children = children();
        List<AuditEntry> entries = new ArrayList<>();
        for (String child : children.subList(Math.max(0, children.size() - limit), children.size())) {
            byte[] data = ZkCalls.call("reading the audit log", () -> {
                try {
                    return client.getData().forPath(paths.audit() + "/" + child);
                } catch (KeeperException.NoNodeException trimmed) {
                    return null;
                }
            });
            if (data == null) {
                continue;
            }
            AuditEntry.Builder entry = AuditEntry.newBuilder();
            try {
                JsonFormat.parser().ignoringUnknownFields().merge(new String(data, StandardCharsets.UTF_8), entry);
                entries.add(entry.build());
            } catch (InvalidProtocolBufferException e) {
                log.warn("skipping audit entry {}: {}", child, e.getMessage());
            }
        }
        return entries;
    }

    private List<String> children() {
        return ZkCalls.call("listing the audit log", () -> {
            try {
                // Sequence suffixes are zero-padded, so name order is write order.
                return client.getChildren().forPath(paths.audit()).stream().sorted().toList();
            } catch (KeeperException.NoNodeException e) {
                return List.of();
            }
        });
    }

    private void trim() {
        List<String> children = children();
        for (String old : children.subList(0, Math.max(0, children.size() - RETAINED))) {
            ZkCalls.call("trimming the audit log", () -> {
                try {
                    client.delete().forPath(paths.audit() + "/" + old);
                } catch (KeeperException.NoNodeException raced) {
                    // another replica trimmed it
                }
                return null;
            });
        }
    }
}
