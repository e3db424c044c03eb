package io.ballast.node.control;

import io.ballast.common.json.Json;
import io.ballast.common.model.NodeRegistration;
import io.ballast.node.snapshot.AppliedState;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code nodes/<node-id>} (EPHEMERAL, JSON {@link NodeRegistration}) present and current,
 * with a Curator {@link PersistentNode}: it is re-created after a session loss, and updated on
 * every apply or refusal via {@link #update}.
 *
 * <p>Every ZooKeeper operation runs in the background: when ZooKeeper is down, creation and
 * updates simply fail and are retried by Curator, and nothing here blocks the caller. Updates
 * made before the initial create completes are written as soon as it does.
 *
 * <p>Threading: {@link #update} may be called from any thread (it is synchronized and never
 * blocks on ZooKeeper). {@link #close} waits at most a few seconds for the node's deletion; if
 * ZooKeeper is unreachable the node disappears with the session instead.
 */
public final class NodeRegistrar implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeRegistrar.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

    private final NodeIdentity identity;
    private final PersistentNode node;
    private final String path;
    private byte[] latest; // guarded by this
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    public NodeRegistrar(CuratorFramework client, String path, NodeIdentity identity, AppliedState initial) {
        this.identity = identity;
        this.path = path;
        this.latest = payload(initial);
        this.node = new PersistentNode(client, CreateMode.EPHEMERAL, false, path, latest);
        // setData is refused before the initial create; whatever was updated meanwhile is written here.
        node.getListenable().addListener(createdPath -> writeLatestIfStale());
    }

    /** Creates the node in the background; returns at once. */
    public void start() {
        node.start();
    }

    /** Publishes {@code state}; never blocks on ZooKeeper. */
    public synchronized void update(AppliedState state) {
        latest = payload(state);
        if (node.getActualPath() != null) {
            setData(latest);
        }
    }

    private synchronized void writeLatestIfStale() {
        if (!Arrays.equals(node.getData(), latest)) {
            setData(latest);
        }
    }

    private void setData(byte[] data) {
        try {
            node.setData(data);
        } catch (Exception e) {
            // Not created yet or closed: the created-listener or the next update writes it.
            log.debug("registration update of {} deferred: {}", path, e.toString());
        }
    }

    private byte[] payload(AppliedState state) {
        return Json.write(new NodeRegistration(identity.id(), identity.proxyAddress(), identity.adminAddress(),
                identity.zone(), state.epoch(), state.version(), state.lastError()));
    }

    /** Deletes the node (idempotent: a graceful shutdown deregisters first, then closes everything). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // PersistentNode#close deletes synchronously with Curator's retries; bound it so a node
        // shutting down during a ZooKeeper outage is not held up.
        Thread closer = new Thread(() -> {
            try {
                node.close();
            } catch (IOException | RuntimeException e) {
                log.debug("registration {} not deleted: {}", path, e.toString());
            }
        }, "ballast-registration-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            log.warn("could not delete {} within {}; it expires with the ZooKeeper session", path, CLOSE_TIMEOUT);
        }
    }
}
