package io.ballast.controlplane.election;

import java.io.IOException;
import java.util.concurrent.Executor;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes part in the election with a Curator {@link LeaderLatch} on {@code control/election}.
 *
 * <p>{@link Listener} callbacks run on the given {@code loop} executor. {@code deposed} is
 * called when the latch says so and also as soon as the connection is SUSPENDED or LOST (and
 * {@code elected} is re-checked on every reconnect): a
 * replica that cannot see ZooKeeper cannot know whether it still leads (Curator's
 * StandardConnectionStateErrorPolicy; Tech Note 10). Both may be called more than once;
 * listeners must be idempotent and check {@link #hasLeadership()}.
 */
public final class Leadership implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Leadership.class);

    /** Election events, on the loop thread. */
    public interface Listener {
        void elected();

        void deposed();
    }

    private final CuratorFramework client;
    private final LeaderLatch latch;
    private final Executor loop;
    private final Listener listener;
    private final ConnectionStateListener connectionListener;

    public Leadership(CuratorFramework client, String electionPath, String replicaId, Executor loop, Listener listener) {
        this.client = client;
        this.latch = new LeaderLatch(client, electionPath, replicaId);
        this.loop = loop;
        this.listener = listener;
        this.connectionListener = (c, state) -> {
            if (!state.isConnected()) {
                log.warn("ZooKeeper connection {}: no longer leading until it returns", state);
                listener.deposed();
            } else {
                // The latch re-elects by itself after a reconnect; this only re-checks it, in case
                // our own deposition raced with a latch that kept leadership.
                listener.elected();
            }
        };
    }

    public void start() {
        latch.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                listener.elected();
            }

            @Override
            public void notLeader() {
                listener.deposed();
            }
        }, loop);
        client.getConnectionStateListenable().addListener(connectionListener, loop);
        try {
            latch.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the leader latch", e);
        }
    }

    /** Whether the latch currently holds leadership; any thread. */
    public boolean hasLeadership() {
        return latch.hasLeadership() && client.getZookeeperClient().isConnected();
    }

    /** Leaves the election (the next replica takes over at once); does not call the listener. */
    @Override
    public void close() {
        client.getConnectionStateListenable().removeListener(connectionListener);
        try {
            latch.close();
        } catch (IOException | IllegalStateException e) {
            log.debug("leader latch already closed", e);
        }
    }
}
