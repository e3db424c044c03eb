package io.ballast.node.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Keep-alive connections to backends for ONE event loop. Every client connection on that loop
 * borrows from this pool and every backend channel it creates is registered on the same loop, so
 * a request never crosses threads and the pool needs no locks: all methods except the counters
 * must be called on {@link #loop()}.
 *
 * <p>Idle connections are kept per backend address (host:port), most recently used first (the
 * least likely to have been closed by the backend), at most {@code maxIdlePerBackend} each. A
 * pooled connection that closes drops out at once; connections to addresses that are no longer
 * live in the current routing table are closed when released and on {@link #evictDead()}.
 */
final class BackendPool {

    private final EventLoop loop;
    private final int index;
    private final Bootstrap bootstrap;
    private final int maxIdlePerBackend;
    private final CurrentTable table;
    private final Deadlines deadlines;
    private final Map<BackendAddress, ArrayDeque<BackendConnection>> idle = new HashMap<>();
    /**
     * Requests in flight per backend address on this loop, across routing tables: a request that
     * started before a drain snapshot is still counted here after it (the drain barrier waits for it).
     */
    private final Map<BackendAddress, int[]> inFlight = new HashMap<>();
    private volatile int opened; // written only on the loop; volatile so tests can read it
    private volatile int idleCount;

    /** @param index this loop's position among the proxy's I/O loops, 0..loops-1 (selects its pickers) */
    BackendPool(EventLoop loop, int index, Transport transport, int maxIdlePerBackend, CurrentTable table) {
        this.loop = loop;
        this.index = index;
        this.maxIdlePerBackend = maxIdlePerBackend;
        this.deadlines = new Deadlines(loop);
        this.table = table;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
    }

    EventLoop loop() {
        return loop;
    }

    /** The response deadlines of this loop's exchanges. */
    Deadlines deadlines() {
        return deadlines;
    }

    /** This loop's index among the proxy's I/O loops: the slot of its picker in {@link ServiceTarget#picker(int)}. */
    int index() {
        return index;
    }

    /** An idle, still open connection to {@code address}, or null. */
    BackendConnection pollIdle(BackendAddress address) {
        ArrayDeque<BackendConnection> queue = idle.get(address);
        if (queue == null) {
            return null;
        }
        BackendConnection connection;
        while ((connection = queue.pollFirst()) != null) {
            idleCount--;
            if (connection.isActive()) {
                connection.markReused();
                return connection;
            }
        }
        return null;
    }

    /** Starts a new connection; the caller listens on {@link BackendConnection#connectFuture()}. */
    BackendConnection connect(BackendAddress address, int connectTimeoutMillis) {
        Bootstrap attempt = bootstrap.clone().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis);
        BackendConnection connection = new BackendConnection(address, attempt);
        opened++;
        // Whatever closes it (backend, timeout, eviction), an idle connection must leave the pool.
        connection.channel().closeFuture().addListener(f -> removeIdle(connection));
        return connection;
    }

    /**
     * Takes a connection back after an exchange. Keeps it only if it may carry another request,
     * is open, its address is still live, and there is room; otherwise closes it.
     */
    void release(BackendConnection connection, boolean reusable) {
        connection.detach();
        RoutingTable current = table.get();
        if (!reusable || !connection.isActive() || current == null || !current.isLive(connection.address())) {
            connection.close();
            return;
        }
        ArrayDeque<BackendConnection> queue = idle.computeIfAbsent(connection.address(), a -> new ArrayDeque<>());
        if (queue.size() >= maxIdlePerBackend) {
            connection.close();
            return;
        }
        queue.addFirst(connection);
        idleCount++;
    }

    /** Closes idle connections whose address left the routing table; runs on the loop after each apply. */
    void evictDead() {
        RoutingTable current = table.get();
        List<BackendConnection> doomed = new ArrayList<>();
        for (Iterator<Map.Entry<BackendAddress, ArrayDeque<BackendConnection>>> it = idle.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<BackendAddress, ArrayDeque<BackendConnection>> entry = it.next();
            if (current == null || !current.isLive(entry.getKey())) {
                doomed.addAll(entry.getValue());
                idleCount -= entry.getValue().size();
                it.remove();
            }
        }
        // Closed outside the iteration: close listeners call removeIdle, which edits the map.
        doomed.forEach(BackendConnection::close);
        inFlight.entrySet().removeIf(entry -> entry.getValue()[0] == 0 && (current == null || !current.isLive(entry.getKey())));
    }

    /** Closes every idle connection (shutdown). */
    void closeIdle() {
        List<BackendConnection> all = new ArrayList<>();
        idle.values().forEach(all::addAll);
        idle.clear();
        idleCount = 0;
        all.forEach(BackendConnection::close);
    }

    private void removeIdle(BackendConnection connection) {
        ArrayDeque<BackendConnection> queue = idle.get(connection.address());
        if (queue != null && queue.remove(connection)) {
            idleCount--;
            if (queue.isEmpty()) {
                idle.remove(connection.address());
            }
        }
    }

    /** An exchange sent a request to {@code address}; this loop only. */
    void began(BackendAddress address) {
        inFlight.computeIfAbsent(address, a -> new int[1])[0]++;
    }

    /**
     * That request ended (response, failure, or client gone); this loop only. A counter at 0 stays
     * in the map, so the per-request path allocates nothing once an address has been seen; counters
     * of addresses that left the routing table are dropped by {@link #evictDead} when they reach 0.
     */
    void ended(BackendAddress address) {
        int[] count = inFlight.get(address);
        if (count != null && count[0] > 0) {
            count[0]--;
        }
    }

    /** A copy of the non-zero requests in flight per address; this loop only (the proxy submits it to the loop). */
    Map<BackendAddress, Integer> inFlight() {
        Map<BackendAddress, Integer> copy = new HashMap<>();
        inFlight.forEach((address, count) -> {
            if (count[0] > 0) {
                copy.put(address, count[0]);
            }
        });
        return copy;
    }

    /** Backend connections this pool has opened so far (any thread; for tests and stats). */
    int opened() {
        return opened;
    }

    /** Connections idle in this pool now (any thread; for tests and stats). */
    int idleCount() {
        return idleCount;
    }
}
