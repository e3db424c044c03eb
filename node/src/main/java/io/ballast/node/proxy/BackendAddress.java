package io.ballast.node.proxy;

import io.netty.util.NetUtil;
import java.net.InetSocketAddress;

/**
 * Where a backend listens; the key of the per-event-loop connection pool, so two endpoints at
 * the same host:port share idle connections.
 */
record BackendAddress(String host, int port) {

    /**
     * An IP literal becomes a resolved address without any lookup; a DNS name stays unresolved and
     * Netty's resolver looks it up at connect time.
     */
    InetSocketAddress toSocketAddress() {
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            return new InetSocketAddress(host, port);
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
