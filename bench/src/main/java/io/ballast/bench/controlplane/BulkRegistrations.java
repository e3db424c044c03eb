package io.ballast.bench.controlplane;

import io.ballast.common.zk.ZkPaths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * Registers many endpoints fast: one raw ZooKeeper session per service (a service's endpoints
 * live and die together, as if one agent host ran them all), every znode created EPHEMERAL with
 * an asynchronous {@code create}, as many in flight as ZooKeeper takes. The registrations vanish
 * when {@link #close} ends the sessions.
 *
 * <p>Threading: the benchmark's main thread only. {@link #register} fails with
 * {@link IllegalStateException} naming the first failed create.
 */
final class BulkRegistrations implements AutoCloseable {

    private final String connect;
    private final ZkPaths paths;
    private final Map<String, ZooKeeper> sessions = new TreeMap<>();

    BulkRegistrations(String connect, ZkPaths paths) {
        this.connect = connect;
        this.paths = paths;
    }

    /** Creates every endpoint's znode; returns once ZooKeeper has acknowledged them all, with the nanoseconds that took. */
    long register(List<PlannedEndpoint> endpoints) {
        for (String service : new TreeSet<>(endpoints.stream().map(PlannedEndpoint::service).toList())) {
            ZooKeeper zk = sessions.computeIfAbsent(service, s -> ZkSessions.connect(connect));
            ZkSessions.ensurePath(zk, paths.service(service), CreateMode.CONTAINER);
        }
        CountDownLatch done = new CountDownLatch(endpoints.size());
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        long started = System.nanoTime();
        long now = System.currentTimeMillis();
        for (PlannedEndpoint endpoint : endpoints) {
            sessions.get(endpoint.service()).create(endpoint.path(paths), endpoint.payload(now), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.EPHEMERAL, (rc, path, ctx, name) -> {
                        if (rc != KeeperException.Code.OK.intValue()) {
                            failures.add(path + ": " + KeeperException.Code.get(rc));
                        }
                        done.countDown();
                    }, null);
        }
        try {
            if (!done.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(done.getCount() + " of " + endpoints.size() + " creates unanswered after 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while registering");
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(failures.size() + " creates failed, e.g. " + failures.peek());
        }
        return System.nanoTime() - started;
    }

    /** Ends every session: ZooKeeper deletes their registrations at once. */
    @Override
    public void close() {
        List<ZooKeeper> all = new ArrayList<>(sessions.values());
        sessions.clear();
        all.parallelStream().forEach(ZkSessions::close);
    }
}
