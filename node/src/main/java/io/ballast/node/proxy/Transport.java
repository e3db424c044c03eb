package io.ballast.node.proxy;

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
 * The Netty transport: native epoll when the platform offers it (fewer syscalls and copies than
 * NIO on Linux), NIO otherwise. Client and backend channels must use the same transport because
 * backend channels are registered on the client channel's own event loop. Shared by the HTTP proxy
 * and the TCP listeners ({@code proxy.tcp}); stateless, any thread may call it.
 */
public record Transport(String name, Class<? extends ServerChannel> serverChannel, Class<? extends Channel> socketChannel) {

    public static Transport detect() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return new Transport("nio", NioServerSocketChannel.class, NioSocketChannel.class);
    }

    public EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return new MultiThreadIoEventLoopGroup(threads, threadFactory,
                "epoll".equals(name) ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }
}
