package io.ballast.node.proxy.tcp;

import io.ballast.node.proxy.ConnectionBalancer.Target;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied TCP connection: picks an endpoint of the listener's service, connects (retrying on
 * other endpoints after connect failures, up to the service's {@code connect_retries}), then relays
 * bytes both ways through a {@link Relay} on each channel, passes half-closes on and closes both
 * channels when the connection is over.
 *
 * <p>Threading: created and driven on the client channel's event loop; the backend channel is
 * registered on the same loop, so no field needs synchronisation.
 *
 * <p>Ending: both sides half-closed (each EOF passed on as a {@code shutdownOutput} once the bytes
 * before it were written), one side closed or reset (the other gets what was already read, then
 * is closed), the idle timeout, or the node closing. Every connection counts once in
 * {@code ballast_node_tcp_connections_total} with its {@link Outcome}; connect failures also
 * count against the endpoint for outlier detection.
 */
final class TcpConnection {

    private static final Logger log = LoggerFactory.getLogger(TcpConnection.class);
    static final int CLIENT = 0;
    static final int BACKEND = 1;

    private final TcpProxy proxy;
    private final Channel client;
    private final LoopConnections loop;
    private final Target target;
    private final TcpServiceMetrics metrics;
    private final int idleTimeoutMillis;
    private final int[] tried;
    private int triedCount;
    private long hash;
    private Channel backend;
    private int endpoint = -1;
    private boolean relaying; // connected: counted as open
    private boolean finished;
    private Outcome outcome = Outcome.COMPLETED;
    private final boolean[] eof = new boolean[2];
    private final boolean[] outputShut = new boolean[2];

    TcpConnection(TcpProxy proxy, Channel client, LoopConnections loop, Target target, TcpServiceMetrics metrics,
                  int idleTimeoutMillis) {
        this.proxy = proxy;
        this.client = client;
        this.loop = loop;
        this.target = target;
        this.metrics = metrics;
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.tried = new int[target.connectRetries() + 1];
    }

    void start() {
        if (!target.admit()) {
            refuse(Outcome.RATE_LIMITED);
            return;
        }
        loop.seed(target);
        InetSocketAddress remote = (InetSocketAddress) client.remoteAddress();
        hash = target.hash(remote == null ? "unknown" : remote.getAddress().getHostAddress());
        int first = target.pick(loop.index, hash);
        if (first < 0) {
            log.debug("service {}: no eligible endpoint for a TCP connection from {}", target.name(), remote);
            refuse(Outcome.NO_ENDPOINT);
            return;
        }
        connect(first);
    }

    private void refuse(Outcome why) {
        finished = true;
        metrics.ended(why);
        client.close();
    }

    private void connect(int index) {
        endpoint = index;
        tried[triedCount++] = index;
        long startNanos = System.nanoTime();
        ChannelFuture connect = new Bootstrap()
                .group(client.eventLoop())
                .channel(proxy.transport().socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, target.connectTimeoutMillis())
                .handler(new Relay(this, BACKEND))
                .connect(target.socketAddress(index));
        backend = connect.channel();
        connect.addListener((ChannelFuture f) -> {
            if (finished || f.channel() != backend) {
                f.channel().close();
                return;
            }
            if (f.isSuccess()) {
                connected(System.nanoTime() - startNanos);
            } else {
                connectFailed(f.cause());
            }
        });
    }

    private void connected(long connectNanos) {
        target.connected(loop.index, endpoint, connectNanos);
        if (!client.isActive()) {
            clientGoneEarly();
            return;
        }
        loop.opened(target, endpoint);
        metrics.opened();
        relaying = true;
        client.pipeline().replace(ClientHandler.class, "relay", new Relay(this, CLIENT));
        client.pipeline().addBefore("relay", "idle", new IdleStateHandler(0, 0, idleTimeoutMillis, TimeUnit.MILLISECONDS));
        client.read();
        backend.read();
    }

    private void connectFailed(Throwable cause) {
        String why = "connect to " + target.describe(endpoint) + " failed: " + cause;
        target.connectFailed(loop.index, endpoint, why);
        if (triedCount < tried.length) {
            int next = target.pickExcluding(loop.index, hash, tried, triedCount);
            if (next >= 0) {
                log.debug("service {}: {}; retrying on {}", target.name(), why, target.describe(next));
                connect(next);
                return;
            }
        }
        log.debug("service {}: {}; closing the client connection after {} attempt(s)", target.name(), why, triedCount);
        refuse(Outcome.CONNECT_FAILED);
    }

    /** The client left while no backend connection was established yet. */
    void clientGoneEarly() {
        if (!finished) {
            finished = true;
            metrics.ended(Outcome.RESET);
            if (backend != null) {
                backend.close();
            }
        }
    }

    Channel peer(int side) {
        return side == CLIENT ? backend : client;
    }

    /** Bytes read from {@code side}, about to be written to the other. */
    void relayed(int side, int bytes) {
        if (side == CLIENT) {
            metrics.bytesIn(bytes);
        } else {
            metrics.bytesOut(bytes);
        }
    }

    /** {@code side} sent its FIN: pass it on once everything read before it is written. */
    void inputShutdown(int side) {
        eof[side] = true;
        Channel peer = peer(side);
        int peerSide = 1 - side;
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFuture f) -> {
            if (!f.isSuccess() || !(peer instanceof DuplexChannel duplex)) {
                closeBoth();
                return;
            }
            duplex.shutdownOutput().addListener((ChannelFuture shut) -> {
                outputShut[peerSide] = true;
                if (!shut.isSuccess() || (outputShut[CLIENT] && outputShut[BACKEND])) {
                    closeBoth();
                }
            });
        });
    }

    /** No byte either way for the idle timeout. */
    void idle() {
        log.debug("service {}: TCP connection from {} idle for {} ms; closing", target.name(), client.remoteAddress(),
                idleTimeoutMillis);
        end(Outcome.IDLE_TIMEOUT);
        closeBoth();
    }

    /** An I/O error on {@code side}. */
    void failed(int side, Throwable cause) {
        log.debug("service {}: TCP connection {} side failed: {}", target.name(), side == CLIENT ? "client" : "backend", cause.toString());
        end(Outcome.RESET);
        closeBoth();
    }

    /** {@code side}'s channel closed: the other gets what it was already sent, then closes too. */
    void closed(int side) {
        if (!relaying) {
            return;
        }
        if (proxy.closing()) {
            end(Outcome.SHUTDOWN);
        }
        finish();
        Channel peer = peer(side);
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void end(Outcome why) {
        if (outcome == Outcome.COMPLETED) {
            outcome = why;
        }
    }

    private void closeBoth() {
        client.close();
        backend.close();
    }

    /** Counts the connection as ended, once. */
    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        metrics.closed(outcome);
        String address = target.address(endpoint);
        loop.closed(target.name(), address, proxy.currentTarget(target.name()));
    }
}
