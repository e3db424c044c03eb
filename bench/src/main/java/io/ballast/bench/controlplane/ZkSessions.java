package io.ballast.bench.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * Raw ZooKeeper client helpers for the benchmark: lighter than Curator (two threads per session,
 * no recipes), which matters with a thousand sessions in one JVM.
 */
final class ZkSessions {

    /** Session timeout of every benchmark session: long enough that a busy machine expires none. */
    static final int SESSION_TIMEOUT_MILLIS = 30_000;

    private ZkSessions() {}

    /** A connected session; throws {@link IllegalStateException} when it does not connect within 30 s. */
    static ZooKeeper connect(String connect) {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk;
        try {
            zk = new ZooKeeper(connect, SESSION_TIMEOUT_MILLIS, event -> {
                if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            if (!connected.await(30, TimeUnit.SECONDS)) {
                close(zk);
                throw new IllegalStateException("no ZooKeeper session with " + connect + " within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close(zk);
            throw new IllegalStateException("interrupted while connecting to ZooKeeper");
        }
        return zk;
    }

    /**
     * Creates {@code path} and its missing ancestors (PERSISTENT; the last one in {@code lastMode}, as
     * Curator's creatingParentContainersIfNeeded makes a service's parent a CONTAINER). Existing ones are kept.
     */
    static void ensurePath(ZooKeeper zk, String path, CreateMode lastMode) {
        String[] parts = path.substring(1).split("/");
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            current.append('/').append(parts[i]);
            try {
                zk.create(current.toString(), new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                        i == parts.length - 1 ? lastMode : CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException exists) {
                // kept
            } catch (KeeperException e) {
                throw new IllegalStateException("could not create " + current + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating " + current);
            }
        }
    }

    /** Closes the session (its ephemeral znodes go at once); never throws. */
    static void close(ZooKeeper zk) {
        try {
            zk.close(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the session expires on its own
        }
    }
}
