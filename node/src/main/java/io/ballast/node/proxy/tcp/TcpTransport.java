package io.ballast.node.proxy.tcp;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;

/**
 * Native epoll where available, NIO otherwise — as the HTTP proxy chooses (its {@code Transport} is
 * internal to its package). Client and backend channels use the same one, because a backend
 * channel is registered on its client channel's event loop.
 */
record TcpTransport(Class<? extends ServerChannel> serverChannel, Class<? extends Channel> socketChannel, boolean epoll) {

    static TcpTransport detect() {
        return Epoll.isAvailable()
                ? new TcpTransport(EpollServerSocketChannel.class, EpollSocketChannel.class, true)
                : new TcpTransport(NioServerSocketChannel.class, NioSocketChannel.class, false);
    }

    EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return new MultiThreadIoEventLoopGroup(threads, threadFactory,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }
}
