package io.ballast.agent.registration;

import io.ballast.common.json.Json;
import io.ballast.common.model.BackendRegistration;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's EPHEMERAL znode {@code backends/<service>/<endpoint-id>}, kept by a Curator
 * {@link PersistentNode} while {@link #register registered}: the recipe re-creates the node
 * after a session loss and adopts a node left by this endpoint's previous session (it then
 * overwrites the data and, when the old session expires and the node vanishes, creates it again).
 *
 * <p><b>Threading:</b> {@link #register}, {@link #update} and {@link #deregister} must be
 * called from the agent's single state thread (the field {@code node} is confined to it).
 * Curator's callbacks are delivered to {@code callbacks} — the same thread — and only log.
 *
 * <p><b>Failure behaviour:</b> creation and data updates are asynchronous and never block.
 * Closing a {@link PersistentNode} deletes the znode synchronously with Curator's retries,
 * which can take tens of seconds while ZooKeeper is unreachable, so {@link #deregister} runs
 * it on a dedicated thread and returns a future; the node is marked closed at once, so it is
 * never re-created after that. If ZooKeeper stays unreachable the znode disappears when the
 * session expires.
 */
public final class Registration implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Registration.class);

    private final CuratorFramework client;
    private final String path;
    private final Executor callbacks;
    private final ExecutorService closer;
    private PersistentNode node;

    /**
     * @param client a started or not yet started Curator client, owned by the caller
     * @param path the znode, {@code ZkPaths#backend(service, id)}
     * @param callbacks the agent's state executor, to which Curator callbacks are handed
     */
    public Registration(CuratorFramework client, String path, Executor callbacks) {
        this.client = client;
        this.path = path;
        this.callbacks = callbacks;
        this.closer = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ballast-agent-deregister");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts keeping the znode with {@code payload}; does nothing when already registered.
     *
     * @throws IllegalArgumentException listing {@link BackendRegistration#problems()} when the
     *     payload is invalid; nothing is written then
     */
    public void register(BackendRegistration payload) {
        if (node != null) {
            return;
        }
        byte[] data = encode(payload);
        PersistentNode created = new PersistentNode(client, CreateMode.EPHEMERAL, false, path, data);
        created.getListenable().addListener(actualPath -> log.info("registered at {}", actualPath), callbacks);
        created.start();
        node = created;
        log.info("registering {} at {}", payload.host() + ":" + payload.port(), path);
    }

    /**
     * Replaces the payload of a registered znode (one asynchronous write). Does nothing and
     * returns false when not registered, or when the first create has not completed yet (the
     * next heartbeat carries the data then).
     */
    public boolean update(BackendRegistration payload) {
        PersistentNode current = node;
        if (current == null || current.getActualPath() == null) {
            return false;
        }
        try {
            current.setData(encode(payload));
            return true;
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            // setData only queues a background write; this is a state error, e.g. closed concurrently.
            log.warn("could not update the registration at {}: {}", path, e.toString());
            return false;
        }
    }

    /**
     * Stops keeping the znode and deletes it. Completes when the delete has been
     * acknowledged or has failed; completes at once when not registered.
     */
    public CompletableFuture<Void> deregister() {
        PersistentNode closing = node;
        node = null;
        if (closing == null) {
            return CompletableFuture.completedFuture(null);
        }
        log.info("deregistering {}", path);
        return CompletableFuture.runAsync(() -> {
            try {
                closing.close();
                log.info("deregistered {}", path);
            } catch (IOException | RuntimeException e) {
                log.warn("could not delete {} (it disappears when the session expires): {}", path, e.toString());
            }
        }, closer);
    }

    /** Whether a registration is being kept (the znode may still be in creation). */
    public boolean isRegistered() {
        return node != null;
    }

    public String path() {
        return path;
    }

    /** Stops the deregistration thread; call after {@link #deregister} has completed. */
    @Override
    public void close() {
        closer.shutdownNow();
    }

    private static byte[] encode(BackendRegistration payload) {
        List<String> problems = payload.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return Json.write(payload);
    }
}
