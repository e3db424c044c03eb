package io.ballast.node.proxy;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fires {@link IdleStateEvent#ALL_IDLE_STATE_EVENT} when a client connection has neither read nor
 * written anything for {@code timeoutNanos}; the handler behind it decides whether to close.
 *
 * <p>Why not Netty's {@code IdleStateHandler}: to see when a write completes it turns every
 * write's void promise into a real one and adds a listener to it, an allocation and a listener
 * call per response part on the hot path. This handler counts a write as activity when it is
 * issued. That is enough here: a client that stops reading makes the connection unwritable, the
 * proxy then stops writing to it (backpressure), and the timeout runs.
 *
 * <p>Threading: every method runs on the channel's event loop (one scheduled check per
 * connection, re-armed for the remaining time at most once per timeout). Failure: none; the
 * check is cancelled when the channel goes inactive or the handler is removed.
 */
final class IdleTimeout extends ChannelDuplexHandler {

    private final long timeoutNanos;
    private long lastActivityNanos;
    private boolean reading;
    private ScheduledFuture<?> check;

    IdleTimeout(long timeoutMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (reading) {
            // Stamped once per socket read, not per decoded message.
            reading = false;
            lastActivityNanos = System.nanoTime();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        lastActivityNanos = System.nanoTime();
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void start(ChannelHandlerContext ctx) {
        if (check != null) {
            return;
        }
        lastActivityNanos = System.nanoTime();
        schedule(ctx, timeoutNanos);
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        check = ctx.executor().schedule(() -> check(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        if (!ctx.channel().isOpen()) {
            return;
        }
        long idleNanos = System.nanoTime() - lastActivityNanos;
        if (idleNanos >= timeoutNanos) {
            // Re-armed for a full period first: the handler behind may keep the connection open.
            schedule(ctx, timeoutNanos);
            ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        } else {
            schedule(ctx, timeoutNanos - idleNanos);
        }
    }

    private void stop() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }
}
