package io.ballast.bench.controlplane;

import io.ballast.common.zk.ZkPaths;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * A registration storm: one lightweight agent per endpoint, each with its OWN ZooKeeper session
 * (a raw client, two threads), started at evenly spread moments over {@code spreadMillis}; each
 * creates its EPHEMERAL registration as soon as its session is connected, as an agent whose
 * backend passed its first health check would.
 *
 * <p>Threading: {@link #start} and {@link #close} on the benchmark's main thread; the sessions'
 * callbacks on their own ZooKeeper event threads. A failed connect or create is counted in
 * {@link #failures()}.
 */
final class RegistrationStorm implements AutoCloseable {

    private boolean marked; // main thread only

    private final String connect;
    private final ZkPaths paths;
    private final List<PlannedEndpoint> endpoints;
    private record Agent(ZooKeeper session, PlannedEndpoint endpoint, long startedAtMillis) {}

    private final ConcurrentLinkedQueue<Agent> sessions = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicLong lastCreatedNanos = new AtomicLong();
    private final ScheduledExecutorService starter = Executors.newSingleThreadScheduledExecutor();
    private CountDownLatch created;
    private long startedNanos;

    RegistrationStorm(String connect, ZkPaths paths, List<PlannedEndpoint> endpoints) {
        this.connect = connect;
        this.paths = paths;
        this.endpoints = endpoints;
    }

    /** Schedules every agent's start over {@code spreadMillis}; returns at once, with the start time (System.nanoTime). */
    long start(long spreadMillis) {
        created = new CountDownLatch(endpoints.size());
        startedNanos = System.nanoTime();
        for (int i = 0; i < endpoints.size(); i++) {
            PlannedEndpoint endpoint = endpoints.get(i);
            long delayNanos = TimeUnit.MILLISECONDS.toNanos(spreadMillis) * i / Math.max(1, endpoints.size());
            starter.schedule(() -> startAgent(endpoint), delayNanos, TimeUnit.NANOSECONDS);
        }
        return startedNanos;
    }

    private void startAgent(PlannedEndpoint endpoint) {
        AtomicBoolean registering = new AtomicBoolean();
        ZooKeeper[] holder = new ZooKeeper[1];
        CountDownLatch constructed = new CountDownLatch(1);
        long startedAtMillis = System.currentTimeMillis();
        Watcher watcher = event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected && registering.compareAndSet(false, true)) {
                try {
                    constructed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                holder[0].create(endpoint.path(paths), endpoint.payload(startedAtMillis), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                        CreateMode.EPHEMERAL, (rc, path, ctx, name) -> {
                            if (rc == KeeperException.Code.OK.intValue()) {
                                lastCreatedNanos.accumulateAndGet(System.nanoTime(), Math::max);
                            } else {
                                failures.add(path + ": " + KeeperException.Code.get(rc));
                            }
                            created.countDown();
                        }, null);
            }
        };
        try {
            holder[0] = new ZooKeeper(connect, ZkSessions.SESSION_TIMEOUT_MILLIS, watcher);
            sessions.add(new Agent(holder[0], endpoint, startedAtMillis));
        } catch (IOException e) {
            failures.add(endpoint.path(paths) + ": " + e);
            created.countDown();
        } finally {
            constructed.countDown();
        }
    }

    /** Waits until every agent has created its registration (or failed); false when {@code timeoutMillis} ran out. */
    boolean awaitCreated(long timeoutMillis) throws InterruptedException {
        return created.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** When the last registration was acknowledged by ZooKeeper (System.nanoTime). */
    long lastCreatedNanos() {
        return lastCreatedNanos.get();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    int sessions() {
        return sessions.size();
    }

    /**
     * The first half of stopping every agent as a real one stops on purpose: marks each
     * registration draining and waits (bounded) until ZooKeeper acknowledged the marks. A real
     * agent then waits for its drain barrier; the caller waits until the nodes hold the endpoints
     * as DRAINING, then {@link #close}s. Vanishing without the mark having been seen would look
     * like a mass failure, and self-preservation would rightly keep the endpoints as SUSPECT for
     * its max hold instead of removing them.
     */
    void markDraining() throws InterruptedException {
        if (marked) {
            return;
        }
        marked = true;
        starter.shutdownNow();
        CountDownLatch acked = new CountDownLatch(sessions.size());
        for (Agent agent : sessions) {
            agent.session().setData(agent.endpoint().path(paths), agent.endpoint().payload(agent.startedAtMillis(), true), -1,
                    (rc, path, ctx, stat) -> acked.countDown(), null);
        }
        // Bounded: an agent whose mark is not answered (its session gone) simply vanishes.
        acked.await(60, TimeUnit.SECONDS);
    }

    /** Ends every agent's session (the registrations vanish), 32 at a time; marks them draining first if not yet done. */
    @Override
    public void close() {
        starter.shutdownNow();
        ExecutorService closers = Executors.newFixedThreadPool(32);
        try {
            markDraining();
            List<Agent> agents = new java.util.ArrayList<>(sessions);
            sessions.clear();
            for (Agent agent : agents) {
                closers.execute(() -> ZkSessions.close(agent.session()));
            }
            closers.shutdown();
            closers.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closers.shutdownNow();
        }
    }
}
