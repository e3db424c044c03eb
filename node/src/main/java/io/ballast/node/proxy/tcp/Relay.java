package io.ballast.node.proxy.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Copies the bytes one channel of a {@link TcpConnection} reads to the other, with backpressure:
 * both channels run with auto-read off, and a channel reads again only while its peer is writable
 * (below its write-buffer high-water mark); when the peer drains below the low-water mark it asks
 * this side to read. A slow reader thus stops the fast writer at the kernel's socket buffers, and
 * the node holds at most about one high-water mark per direction.
 *
 * <p>Threading: both channels of a connection are on one event loop. Buffers: every read buffer
 * is written to the peer (which releases it) or released here when the peer is gone.
 */
final class Relay extends ChannelInboundHandlerAdapter {

    private final TcpConnection connection;
    private final int side;

    Relay(TcpConnection connection, int side) {
        this.connection = connection;
        this.side = side;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel peer = connection.peer(side);
        if (peer == null || !peer.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf buf) {
            connection.relayed(side, buf.readableBytes());
        }
        peer.write(msg, peer.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Channel peer = connection.peer(side);
        if (peer == null || !peer.isActive()) {
            return;
        }
        peer.flush();
        if (peer.isWritable()) {
            ctx.read();
        }
        // Otherwise the peer's Relay asks for the next read when it becomes writable again.
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Channel peer = connection.peer(side);
        if (ctx.channel().isWritable() && peer != null && peer.isActive()) {
            peer.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            connection.inputShutdown(side);
        } else if (evt instanceof IdleStateEvent) {
            connection.idle();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection.closed(side);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connection.failed(side, cause);
    }
}
