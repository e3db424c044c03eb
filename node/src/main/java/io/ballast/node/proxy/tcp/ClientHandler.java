package io.ballast.node.proxy.tcp;

import io.ballast.node.proxy.ConnectionBalancer.Target;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;

/**
 * The first handler of an accepted TCP client connection: finds the listener's service in the
 * table in force and starts a {@link TcpConnection}, which replaces this handler with a
 * {@link Relay} once the backend connection is up. Until then the client's bytes wait in the
 * kernel (auto-read is off). Event loop of the client channel only.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {

    private final TcpProxy proxy;
    private TcpConnection connection;

    ClientHandler(TcpProxy proxy) {
        this.proxy = proxy;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        int port = ((InetSocketAddress) ctx.channel().localAddress()).getPort();
        TcpTable table = proxy.table();
        Target target = table.targetForPort(port);
        if (target == null) {
            // The listener was removed between accept and now.
            ctx.close();
            return;
        }
        connection = new TcpConnection(proxy, ctx.channel(), proxy.loop(ctx.channel().eventLoop()), target,
                table.metrics(target.name()), table.idleTimeoutMillis(target.name()));
        connection.start();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (connection != null) {
            connection.clientGoneEarly();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
