package io.ballast.node.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.ReferenceCountUtil;

/**
 * One keep-alive connection to a backend, owned by one event loop's {@link BackendPool}. At most
 * one {@link Listener} (the exchange using it) is attached at a time; while idle in the pool
 * nothing is attached and anything the backend sends is a protocol error that closes it.
 *
 * <p>Threading: the channel is registered on the owning event loop, so every field here is only
 * touched from that loop and needs no synchronisation.
 */
final class BackendConnection {

    /** Receives what happens on the connection while an exchange uses it; called on the event loop. */
    interface Listener {
        /** A complete response; ownership of {@code response} passes to the listener. */
        void onResponse(BackendConnection connection, FullHttpResponse response);

        /** The connection closed while attached; {@link #responseStarted()} tells whether bytes arrived. */
        void onClosed(BackendConnection connection, Throwable cause);
    }

    private final BackendAddress address;
    private final ChannelFuture connectFuture;
    private Listener listener;
    private boolean reused;
    private boolean responseStarted;
    private Throwable lastError;

    /** Starts connecting with {@code bootstrap}, whose handler installs this connection's pipeline. */
    BackendConnection(BackendAddress address, Bootstrap bootstrap, int maxContentBytes) {
        this.address = address;
        this.connectFuture = bootstrap.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                // FirstBytes sits before the codec: with aggregation the response handler sees
                // nothing until the whole response is in, but retry safety depends on whether
                // ANY byte came back.
                ch.pipeline().addLast(new FirstBytes(), new HttpClientCodec(),
                        new HttpObjectAggregator(maxContentBytes), new ResponseHandler());
            }
        }).connect(address.toSocketAddress());
    }

    BackendAddress address() {
        return address;
    }

    ChannelFuture connectFuture() {
        return connectFuture;
    }

    Channel channel() {
        return connectFuture.channel();
    }

    boolean isActive() {
        return channel().isActive();
    }

    /** True once the connection was handed out from the idle pool (it may have gone stale). */
    boolean reused() {
        return reused;
    }

    void markReused() {
        reused = true;
    }

    boolean responseStarted() {
        return responseStarted;
    }

    Throwable lastError() {
        return lastError;
    }

    void attach(Listener listener) {
        this.listener = listener;
        this.responseStarted = false;
        this.lastError = null;
    }

    void detach() {
        this.listener = null;
    }

    void close() {
        listener = null;
        channel().close();
    }

    @Override
    public String toString() {
        return "BackendConnection{" + address + ", " + channel() + "}";
    }

    private final class FirstBytes extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (listener != null) {
                responseStarted = true;
            }
            ctx.fireChannelRead(msg);
        }
    }

    private final class ResponseHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Listener current = listener;
            if (current != null && msg instanceof FullHttpResponse response) {
                current.onResponse(BackendConnection.this, response);
                return;
            }
            // Bytes on an idle connection, or something that is not a response: never forward,
            // never trust the connection again.
            ReferenceCountUtil.release(msg);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Listener current = listener;
            listener = null;
            if (current != null) {
                current.onClosed(BackendConnection.this, lastError);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Resets, oversized or malformed responses: remember why, then close; the listener
            // learns of it once, from channelInactive.
            if (lastError == null) {
                lastError = cause;
            }
            ctx.close();
        }
    }
}
