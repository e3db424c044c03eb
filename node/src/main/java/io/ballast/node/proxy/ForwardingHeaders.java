package io.ballast.node.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Header hygiene for a forwarding proxy (RFC 9110 section 7.6.1): hop-by-hop headers describe
 * one connection and must not travel to the next hop, in either direction.
 */
final class ForwardingHeaders {

    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");

    // Netty deprecates its constants for these two (they are not standard HTTP/1.1 headers), yet
    // clients still send them and they must not reach the next hop.
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

    private static final AsciiString[] HOP_BY_HOP = {
        HttpHeaderNames.CONNECTION,
        KEEP_ALIVE,
        PROXY_CONNECTION,
        HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER,
        HttpHeaderNames.TRANSFER_ENCODING,
        HttpHeaderNames.UPGRADE,
        HttpHeaderNames.PROXY_AUTHORIZATION,
        HttpHeaderNames.PROXY_AUTHENTICATE,
    };

    private ForwardingHeaders() {}

    /** Removes the fixed hop-by-hop set and every header that {@code Connection} names. */
    static void stripHopByHop(HttpHeaders headers) {
        List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
        for (String value : connection) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty()) {
                    headers.remove(name);
                }
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    /** Appends the client address to X-Forwarded-For (keeping earlier hops) and sets X-Forwarded-Proto. */
    static void addForwarded(HttpHeaders headers, String clientIp) {
        List<String> previous = headers.getAll(X_FORWARDED_FOR);
        if (previous.isEmpty()) {
            headers.set(X_FORWARDED_FOR, clientIp);
        } else {
            headers.set(X_FORWARDED_FOR, String.join(", ", previous) + ", " + clientIp);
        }
        headers.set(X_FORWARDED_PROTO, "http");
    }
}
