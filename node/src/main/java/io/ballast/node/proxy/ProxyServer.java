package io.ballast.node.proxy;

import io.ballast.node.metrics.NodeMetrics;
import io.ballast.proto.v1.Snapshot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data-plane HTTP/1.1 reverse proxy: accepts clients, routes each request by Host and path
 * prefix to a service of the current snapshot, balances across its endpoints and relays over
 * keep-alive backend connections pooled per event loop.
 *
 * <p>Who calls it: the node's lifecycle code ({@link #start}, {@link #close}) and its snapshot
 * path ({@link #apply}). Threading: {@link #apply} may be called from any thread; it builds an
 * immutable {@link RoutingTable} on the caller's thread and publishes it with one volatile write,
 * so requests in flight finish on the table they started with. Each client connection, and every
 * backend connection serving it, runs on one event loop. Failure behaviour: binding failures throw
 * from {@link #start}; backend failures become 502/503/504 answers with a reason body and never
 * affect other requests; until the first snapshot every request gets 503. Failure handling
 * (outlier ejection, panic routing, retries) is per service, in state kept by a node-wide
 * {@link HealthRegistry} across snapshots. {@link #drain} prepares a graceful shutdown.
 */
public final class ProxyServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 5_000;

    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup ioGroup;
    private final Channel serverChannel;
    private final CurrentTable table;
    private final Map<EventLoop, BackendPool> pools;
    private final InetSocketAddress localAddress;
    private final String zone;
    private final NodeMetrics metrics;
    private final HealthRegistry health;
    private final ChannelGroup clients;
    private final DrainState drain;

    private ProxyServer(EventLoopGroup acceptGroup, EventLoopGroup ioGroup, Channel serverChannel, CurrentTable table,
                        Map<EventLoop, BackendPool> pools, String zone, NodeMetrics metrics, HealthRegistry health,
                        ChannelGroup clients, DrainState drain) {
        this.health = health;
        this.clients = clients;
        this.drain = drain;
        this.zone = zone;
        this.metrics = metrics;
        this.acceptGroup = acceptGroup;
        this.ioGroup = ioGroup;
        this.serverChannel = serverChannel;
        this.table = table;
        this.pools = pools;
        this.localAddress = (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * Binds synchronously and starts serving (503 until the first {@link #apply}).
     *
     * @throws IllegalStateException naming the address and the cause if the port cannot be bound
     */
    public static ProxyServer start(ProxyConfig config) {
        return start(config, null);
    }

    /**
     * Like {@link #start(ProxyConfig)}, but routes by {@code initial} (validated by the caller;
     * may be null) from the very first accepted connection — a node restarting from its state
     * directory never answers 503 in between (static stability).
     */
    public static ProxyServer start(ProxyConfig config, Snapshot initial) {
        return start(config, initial, new NodeMetrics());
    }

    /**
     * Like {@link #start(ProxyConfig, Snapshot)}, counting requests, latencies, retries and
     * connections in {@code metrics} (meters are resolved per service when a table is built; the
     * event loops only bump them).
     */
    public static ProxyServer start(ProxyConfig config, Snapshot initial, NodeMetrics metrics) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(metrics, "metrics");
        Transport transport = Transport.detect();
        EventLoopGroup acceptGroup = transport.newGroup(1, new DefaultThreadFactory("ballast-proxy-accept"));
        EventLoopGroup ioGroup = transport.newGroup(config.ioThreads(), new DefaultThreadFactory("ballast-proxy-io"));
        CurrentTable table = new CurrentTable();
        // One pool per I/O loop, fixed for the server's life: the map is only read afterwards. The
        // pool's index selects the loop's own picker in every routing table.
        Map<EventLoop, BackendPool> pools = new IdentityHashMap<>();
        for (EventExecutor executor : ioGroup) {
            EventLoop loop = (EventLoop) executor;
            pools.put(loop, new BackendPool(loop, pools.size(), transport, config.maxIdlePerBackend(), table));
        }
        HealthRegistry health = new HealthRegistry(pools.size());
        ChannelGroup clients = new DefaultChannelGroup("ballast-proxy-clients", GlobalEventExecutor.INSTANCE);
        DrainState drain = new DrainState();
        if (initial != null) {
            table.set(RoutingTable.from(initial, pools.size(), config.zone(), null, metrics, health));
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(new ProxyInitializer(config, table, pools, metrics, clients, drain));
        String address = config.bindHost() + ":" + config.port();
        ChannelFuture bind = bootstrap.bind(config.bindHost(), config.port()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            shutdown(acceptGroup, ioGroup);
            throw new IllegalStateException("cannot bind the proxy to " + address + ": " + bind.cause(), bind.cause());
        }
        ProxyServer server = new ProxyServer(acceptGroup, ioGroup, bind.channel(), table, pools, config.zone(), metrics, health, clients, drain);
        log.info("proxy listening on {} ({} transport, {} I/O threads)", server.localAddress, transport.name(), config.ioThreads());
        return server;
    }

    /**
     * Routes subsequent requests by {@code snapshot}, which the caller has already validated and
     * fenced. Thread-safe; the last call wins. Idle backend connections to endpoints that left the
     * snapshot are closed soon after, on their own loops.
     */
    public synchronized void apply(Snapshot snapshot) {
        // synchronized: two concurrent applies must not both build on the same previous table.
        RoutingTable next = RoutingTable.from(Objects.requireNonNull(snapshot, "snapshot"), pools.size(), zone, table.get(),
                metrics, health);
        table.set(next);
        // Ejections of addresses and services that left the snapshot go; the rest carry over.
        health.retain(next);
        // Series of services and endpoints that left the snapshot go (their number follows the snapshot's).
        metrics.retain(next.serviceMetrics());
        for (BackendPool pool : pools.values()) {
            try {
                pool.loop().execute(pool::evictDead);
            } catch (RejectedExecutionException e) {
                // Shutting down: the loop closes its channels anyway.
            }
        }
        log.info("proxy applied snapshot epoch {} version {} ({} services, {} routes)", snapshot.getEpoch(),
                snapshot.getVersion(), snapshot.getServicesCount(), snapshot.getRoutesCount());
    }

    /**
     * Requests in flight per backend {@code host:port}, summed over the event loops (each loop's
     * count is read on that loop). Blocks at most {@code timeoutMillis}; a loop that does not answer
     * in time is left out (its requests are then reported by the next call). Any thread but an event loop.
     */
    public Map<String, Integer> inFlightByAddress(long timeoutMillis) {
        Map<String, Integer> total = new java.util.TreeMap<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (BackendPool pool : pools.values()) {
            try {
                Map<BackendAddress, Integer> counts = pool.loop().submit(pool::inFlight)
                        .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                counts.forEach((address, count) -> total.merge(address.host() + ":" + address.port(), count, Integer::sum));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                     | RejectedExecutionException e) {
                // a busy or closing loop: its count comes with the next report
            }
        }
        return total;
    }

    /**
     * Per backend {@code host:port}: the outcomes since the previous call and this node's ejections
     * ({@link HealthRegistry#outcomes}). Never blocks; any thread, but one caller at a time gets
     * meaningful deltas (the control client's report task).
     */
    public Map<String, io.ballast.proto.v1.EndpointOutcomes> outcomesByAddress() {
        return health.outcomes(System.nanoTime());
    }

    /**
     * Drains for shutdown: closes the listener (new connections are refused), answers every further
     * request with {@code Connection: close}, closes idle keep-alive connections, and waits until
     * every client connection has closed (so no request is in flight) or {@code timeout} passes.
     * Requests in flight finish normally. Any thread but an event loop; call {@link #close} after.
     *
     * @return true if every connection closed in time
     */
    public boolean drain(java.time.Duration timeout) {
        serverChannel.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        drain.start();
        for (Channel client : clients) {
            // On the connection's own loop, so the handler sees it between requests or with one in flight.
            client.eventLoop().execute(() -> client.pipeline().fireUserEventTriggered(DrainState.DRAIN));
        }
        log.info("proxy on {} draining: {} client connections open, waiting up to {} ms", localAddress, clients.size(),
                timeout.toMillis());
        boolean drained = clients.newCloseFuture().awaitUninterruptibly(timeout.toMillis());
        if (!drained) {
            log.warn("proxy on {}: {} client connections still open after {} ms; closing them", localAddress,
                    clients.size(), timeout.toMillis());
        }
        return drained;
    }

    /** Client connections open now (tests, logs). */
    int clientConnections() {
        return clients.size();
    }

    /** The bound address (with the real port when configured with port 0). */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Stops accepting, closes idle backend connections, then shuts the event loops down, which
     * closes every remaining channel; waits at most a few seconds. Idempotent.
     */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        for (BackendPool pool : pools.values()) {
            try {
                pool.loop().execute(pool::closeIdle);
            } catch (RejectedExecutionException e) {
                // Already shutting down.
            }
        }
        shutdown(acceptGroup, ioGroup);
        log.info("proxy on {} stopped", localAddress);
    }

    private static void shutdown(EventLoopGroup... groups) {
        List<Future<?>> terminations = new ArrayList<>();
        for (EventLoopGroup group : groups) {
            terminations.add(group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_TIMEOUT_MILLIS + 1_000);
        for (Future<?> termination : terminations) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                termination.awaitUninterruptibly(left, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Routing table in force, or null before the first snapshot (tests). */
    RoutingTable table() {
        return table.get();
    }

    /** Backend connections opened so far, over all loops (tests: keep-alive reuse). */
    int backendConnectionsOpened() {
        return pools.values().stream().mapToInt(BackendPool::opened).sum();
    }

    /** Idle pooled backend connections now, over all loops. */
    int idleBackendConnections() {
        return pools.values().stream().mapToInt(BackendPool::idleCount).sum();
    }
}
