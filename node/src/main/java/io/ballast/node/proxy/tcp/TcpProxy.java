package io.ballast.node.proxy.tcp;

import io.ballast.common.config.Checks;
import io.ballast.node.proxy.ConnectionBalancer;
import io.ballast.node.proxy.ConnectionBalancer.Target;
import io.ballast.node.proxy.Transport;
import io.ballast.proto.v1.EndpointOutcomes;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's TCP (L4) listeners: for every service of the applied snapshot with
 * {@code policy.tcp}, a listener on {@code <bind host>:<port>} whose connections are relayed, one
 * backend connection each, to the service's endpoints (see {@link TcpConnection}).
 *
 * <p>Who calls it: the node's lifecycle ({@link #start}, {@link #stopAccepting},
 * {@link #awaitConnectionsClosed}, {@link #close}) and its snapshot path ({@link #apply}, before
 * the HTTP proxy applies the same snapshot, so that a port that cannot be bound refuses the whole
 * snapshot). {@link #apply} and {@link #restore} are synchronized and block while they bind; the
 * event loops only read the table through a volatile reference. Never call from an event loop.
 *
 * <p>Failure behaviour: {@link #apply} binds every new port first and, if one fails (in use, or
 * this node's HTTP or admin port), closes the ones it just bound and throws a
 * {@link TcpListenerException} naming the field and value; nothing changes. Listeners of ports
 * that left the snapshot are closed after the new table is in force; their open connections go on
 * until either side closes them or the idle timeout does. {@link #restore} (the stored snapshot at
 * start) binds what it can and logs the rest: the node must come up and serve what it can.
 */
public final class TcpProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 5_000;
    private static final Pattern EPOLL_BIND_PREFIX = Pattern.compile("^bind\\(\\.\\.\\) failed[^:]*: ");

    private final TcpProxyConfig config;
    private final Transport transport;
    private final EventLoopGroup group;
    private final Map<EventLoop, LoopConnections> loops;
    private final ConnectionBalancer balancer;
    private final TcpMetrics metrics;
    private final ChannelGroup clients = new DefaultChannelGroup("ballast-tcp-clients", GlobalEventExecutor.INSTANCE);
    private final ServerBootstrap bootstrap;
    private final Map<Integer, Channel> listeners = new TreeMap<>(); // guarded by this
    private volatile TcpTable table = TcpTable.EMPTY;
    private volatile boolean accepting = true;
    private volatile boolean closing;

    private TcpProxy(TcpProxyConfig config, MeterRegistry registry) {
        this.config = config;
        this.transport = Transport.detect();
        this.group = transport.newGroup(config.ioThreads(), new DefaultThreadFactory("ballast-tcp-io"));
        Map<EventLoop, LoopConnections> byLoop = new IdentityHashMap<>();
        for (EventExecutor executor : group) {
            byLoop.put((EventLoop) executor, new LoopConnections(byLoop.size()));
        }
        this.loops = byLoop;
        this.balancer = new ConnectionBalancer(byLoop.size(), config.zone());
        this.metrics = new TcpMetrics(registry);
        this.bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        clients.add(ch); // for the shutdown drain; the group drops it when it closes
                        ch.pipeline().addLast(new ClientHandler(TcpProxy.this));
                    }
                });
    }

    /** Starts the event loops; binds nothing until {@link #apply} or {@link #restore}. */
    public static TcpProxy start(TcpProxyConfig config, MeterRegistry registry) {
        return new TcpProxy(config, registry);
    }

    /**
     * Listens on the ports of {@code snapshot} (validated by the caller) and relays by it. All or
     * nothing: see the class comment.
     *
     * @throws TcpListenerException when a new port cannot be bound
     */
    public synchronized void apply(Snapshot snapshot) {
        install(snapshot, true);
    }

    /** Like {@link #apply}, but a port that cannot be bound is logged and skipped (the stored snapshot at start). */
    public synchronized void restore(Snapshot snapshot) {
        install(snapshot, false);
    }

    private void install(Snapshot snapshot, boolean strict) {
        Map<Integer, Integer> wanted = new TreeMap<>(); // port -> index of its service
        List<Service> services = snapshot.getServicesList();
        for (int i = 0; i < services.size(); i++) {
            if (services.get(i).getPolicy().hasTcp()) {
                wanted.putIfAbsent(services.get(i).getPolicy().getTcp().getPort(), i);
            }
        }
        List<Integer> boundNow = new ArrayList<>();
        if (accepting) {
            for (Map.Entry<Integer, Integer> entry : wanted.entrySet()) {
                int port = entry.getKey();
                if (listeners.containsKey(port)) {
                    continue;
                }
                try {
                    listeners.put(port, bind(port, entry.getValue()));
                    boundNow.add(port);
                } catch (TcpListenerException e) {
                    if (strict) {
                        boundNow.forEach(p -> listeners.remove(p).close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS));
                        throw e;
                    }
                    log.error("cannot listen for the stored snapshot: {}", e.getMessage());
                }
            }
        }
        ConnectionBalancer.Table balancing = balancer.build(snapshot, table.balancing());
        TcpTable next = TcpTable.of(balancing, metrics);
        table = next;
        metrics.retain(next.metrics());
        for (Integer port : new ArrayList<>(listeners.keySet())) {
            if (!wanted.containsKey(port)) {
                listeners.remove(port).close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
                log.info("TCP listener on {}:{} closed; its open connections go on", config.bindHost(), port);
            }
        }
        if (!boundNow.isEmpty() || !wanted.isEmpty()) {
            log.info("TCP listeners of snapshot epoch {} version {}: {}", snapshot.getEpoch(), snapshot.getVersion(),
                    next.serviceByPort());
        }
    }

    private Channel bind(int port, int serviceIndex) {
        String field = "services[" + serviceIndex + "].policy.tcp.port";
        String reserved = config.reservedPorts().get(port);
        if (reserved != null) {
            throw new TcpListenerException(Checks.message(field, port, "not this node's " + reserved + " port"), null);
        }
        ChannelFuture bind = bootstrap.bind(config.bindHost(), port).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            throw new TcpListenerException(Checks.message(field, port, "a port this node can listen on at " + config.bindHost()
                    + ", but: " + reason(bind.cause())), bind.cause());
        }
        log.info("TCP listener on {}:{} open", config.bindHost(), port);
        return bind.channel();
    }

    /**
     * "Address already in use", also from the epoll transport, which prefixes the system call:
     * "bind(..) failed: ..." (Netty 4.1) or "bind(..) failed with error(-98): ..." (4.2).
     */
    private static String reason(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        return EPOLL_BIND_PREFIX.matcher(message).replaceFirst("");
    }

    /** The ports listened on now (tests, logs). */
    public synchronized Set<Integer> ports() {
        return new TreeSet<>(listeners.keySet());
    }

    /**
     * Open connections per backend {@code host:port}, summed over the event loops (what the
     * leader's drain barrier waits on). Blocks at most {@code timeoutMillis}; a loop that does not
     * answer in time is left out. Any thread but an event loop.
     */
    public Map<String, Integer> openByAddress(long timeoutMillis) {
        Map<String, Integer> total = new TreeMap<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Map.Entry<EventLoop, LoopConnections> entry : loops.entrySet()) {
            try {
                LoopConnections counts = entry.getValue();
                entry.getKey().submit(counts::byAddress).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                        .forEach((address, n) -> total.merge(address, n, Integer::sum));
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

    /** Connect outcomes and ejections per backend {@code host:port} since the previous call (the reporter thread). */
    public Map<String, EndpointOutcomes> outcomesByAddress() {
        return balancer.outcomes();
    }

    /** Shutdown, step one: closes every listener (new connections are refused); open ones go on. Idempotent. */
    public synchronized void stopAccepting() {
        accepting = false;
        listeners.values().forEach(channel -> channel.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS));
        listeners.clear();
    }

    /** Shutdown, step two: waits until every client connection has closed or {@code timeout} passes. */
    public boolean awaitConnectionsClosed(Duration timeout) {
        int open = clients.size();
        if (open > 0) {
            log.info("TCP listeners draining: {} connections open, waiting up to {} ms", open, timeout.toMillis());
        }
        boolean drained = clients.newCloseFuture().awaitUninterruptibly(Math.max(0, timeout.toMillis()));
        if (!drained) {
            log.warn("{} TCP connections still open after {} ms; closing them", clients.size(), timeout.toMillis());
        }
        return drained;
    }

    /** Client connections open now. */
    public int connections() {
        return clients.size();
    }

    /** Closes the listeners and every connection, and stops the event loops; waits a few seconds at most. Idempotent. */
    @Override
    public void close() {
        stopAccepting();
        closing = true;
        clients.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS + 1_000);
    }

    TcpTable table() {
        return table;
    }

    Transport transport() {
        return transport;
    }

    LoopConnections loop(EventLoop loop) {
        return loops.get(loop);
    }

    /** The target of {@code service} in the table in force now, or null. */
    Target currentTarget(String service) {
        return table.balancing().target(service);
    }

    boolean closing() {
        return closing;
    }

    /** Merges two per-address count maps (HTTP requests in flight and TCP connections open). */
    public static Map<String, Integer> sum(Map<String, Integer> a, Map<String, Integer> b) {
        Map<String, Integer> total = new TreeMap<>(a);
        b.forEach((address, n) -> total.merge(address, n, Integer::sum));
        return total;
    }

    /** Merges two per-address outcome maps as the HTTP proxy's registry does: sums, ejected if either ejects. */
    public static Map<String, EndpointOutcomes> sumOutcomes(Map<String, EndpointOutcomes> a, Map<String, EndpointOutcomes> b) {
        Map<String, EndpointOutcomes> total = new HashMap<>(a);
        b.forEach((address, o) -> total.merge(address, o, (x, y) -> EndpointOutcomes.newBuilder()
                .setSuccesses(x.getSuccesses() + y.getSuccesses())
                .setErrors5Xx(x.getErrors5Xx() + y.getErrors5Xx())
                .setGatewayFailures(x.getGatewayFailures() + y.getGatewayFailures())
                .setLatencyMicrosSum(x.getLatencyMicrosSum() + y.getLatencyMicrosSum())
                .setEjected(x.getEjected() || y.getEjected())
                .setEjectedForMillis(Math.max(x.getEjectedForMillis(), y.getEjectedForMillis()))
                .build()));
        return new TreeMap<>(total);
    }
}
