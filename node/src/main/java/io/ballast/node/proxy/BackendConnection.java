package io.ballast.node.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/**
 * One keep-alive connection to a backend, owned by one event loop's {@link BackendPool}. At most
 * one {@link Listener} (the exchange using it) is attached at a time; while idle in the pool
 * nothing is attached and anything the backend sends is a protocol error that closes it.
 *
 * <p>Responses are NOT aggregated: the listener gets the head, then each body part as the codec
 * decodes it, so a body streams through with at most one socket read of it in memory. The
 * listener applies backpressure with {@link #pauseReading()} / {@link #resumeReading()}.
 *
 * <p>Threading: the channel is registered on the owning event loop, so every field here is only
 * touched from that loop and needs no synchronisation.
 */
final class BackendConnection {

    /** Receives what happens on the connection while an exchange uses it; called on the event loop. */
    interface Listener {
        /** A response head (interim ones included); no reference to release. */
        void onResponseHead(BackendConnection connection, HttpResponse head);

        /** A part of the response body, the last one a {@code LastHttpContent}; ownership passes to the listener. */
        void onResponseContent(BackendConnection connection, HttpContent part);

        /** The end of one read from the socket: the moment to flush what was relayed. */
        void onReadComplete(BackendConnection connection);

        /** The connection became writable again (it had more queued than its high water mark). */
        void onWritable(BackendConnection connection);

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
    BackendConnection(BackendAddress address, Bootstrap bootstrap) {
        this.address = address;
        this.connectFuture = bootstrap.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                // FirstBytes sits before the codec: a partial head decodes to nothing, yet retry
                // safety depends on whether ANY byte came back.
                ch.pipeline().addLast(new FirstBytes(), new HttpClientCodec(), new ResponseHandler());
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

    /** Detaches the exchange; an idle connection always reads, so that a backend's close is noticed. */
    void detach() {
        this.listener = null;
        resumeReading();
    }

    /** Backpressure: the client cannot take more now. */
    void pauseReading() {
        channel().config().setAutoRead(false);
    }

    void resumeReading() {
        if (!channel().config().isAutoRead()) {
            channel().config().setAutoRead(true);
        }
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
            if (current == null || !(msg instanceof HttpResponse || msg instanceof HttpContent)) {
                // Bytes on an idle connection, or something that is not a response: never forward,
                // never trust the connection again.
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            if (msg instanceof HttpResponse head) {
                current.onResponseHead(BackendConnection.this, head);
            }
            if (msg instanceof HttpContent part) {
                // The head's handling may have detached the listener (a retry): the rest is dropped.
                current = listener;
                if (current != null) {
                    current.onResponseContent(BackendConnection.this, part);
                } else {
                    part.release();
                }
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            Listener current = listener;
            if (current != null) {
                current.onReadComplete(BackendConnection.this);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            Listener current = listener;
            if (current != null && ctx.channel().isWritable()) {
                current.onWritable(BackendConnection.this);
            }
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
            // Resets, oversized or malformed responses, failed writes: remember why, then close;
            // the listener learns of it once, from channelInactive.
            if (lastError == null) {
                lastError = cause;
            }
            ctx.close();
        }
    }
}
