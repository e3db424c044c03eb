package io.ballast.node.proxy;

import io.ballast.node.metrics.NodeMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import java.util.Map;

/**
 * Builds the pipeline of each accepted client connection:
 * idle-state (raw bytes) -> HTTP codec -> flow control (hands the
 * decoded request parts over one {@code read()} at a time while a request is in flight, holding
 * pipelined requests) -> {@link ProxyHandler}, which also decides keep-alive. Nothing aggregates:
 * bodies stream.
 */
final class ProxyInitializer extends ChannelInitializer<Channel> {

    private final ProxyConfig config;
    private final CurrentTable table;
    private final Map<EventLoop, BackendPool> pools;
    private final NodeMetrics metrics;
    private final ChannelGroup clients;
    private final DrainState drain;

    ProxyInitializer(ProxyConfig config, CurrentTable table, Map<EventLoop, BackendPool> pools, NodeMetrics metrics,
                     ChannelGroup clients, DrainState drain) {
        this.config = config;
        this.table = table;
        this.pools = pools;
        this.metrics = metrics;
        this.clients = clients;
        this.drain = drain;
    }

    @Override
    protected void initChannel(Channel ch) {
        // The pool of the loop this client connection lives on: its backend channels share the loop.
        BackendPool pool = pools.get(ch.eventLoop());
        // Tracked for the shutdown drain; the group drops it when it closes.
        clients.add(ch);
        ch.pipeline().addLast(
                new IdleTimeout(config.clientIdleTimeout().toMillis()),
                new HttpServerCodec(),
                new FlowControlHandler(),
                new ProxyHandler(table, pool, metrics, drain, config.retryBufferBytes()));
    }
}
