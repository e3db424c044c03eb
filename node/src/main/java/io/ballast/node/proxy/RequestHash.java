package io.ballast.node.proxy;

import io.ballast.proto.v1.HashKey;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What RING_HASH and MAGLEV hash a request by (the service's {@link HashKey}): a named header,
 * a cookie, the client IP or the path. The hash of equal keys is equal on every node (FNV-1a
 * over the key's chars, finished with {@link EndpointHash#fmix64}), which is what makes
 * affinity hold across nodes that share a snapshot.
 *
 * <p>A request without the key (header or cookie absent) gets a random hash, as Envoy does, so
 * such requests spread instead of piling onto the one endpoint that owns "".
 *
 * <p>Threading: immutable, shared by every event loop. {@link #hash} allocates nothing beyond
 * what Netty's header lookup does (values are already Strings) and never throws.
 */
final class RequestHash {

    /** For services whose algorithm does not hash: {@link #hash} returns 0 without reading the request. */
    static final RequestHash NONE = new RequestHash(HashKey.Source.SOURCE_UNSPECIFIED, "");

    private final HashKey.Source source;
    private final String name;

    private RequestHash(HashKey.Source source, String name) {
        this.source = source;
        this.name = name;
    }

    static RequestHash of(HashKey key) {
        return key.getSource() == HashKey.Source.SOURCE_UNSPECIFIED || key.getSource() == HashKey.Source.UNRECOGNIZED
                ? NONE : new RequestHash(key.getSource(), key.getName());
    }

    /**
     * @param path the request path, query included (it is cut here)
     * @param clientIp the TCP peer's address
     */
    long hash(HttpRequest request, String path, String clientIp) {
        return switch (source) {
            case HEADER -> orRandom(request.headers().get(name), 0, -1);
            case COOKIE -> cookie(request.headers().get(HttpHeaderNames.COOKIE));
            case CLIENT_IP -> of(clientIp, 0, clientIp.length());
            case PATH -> {
                int query = path.indexOf('?');
                yield of(path, 0, query < 0 ? path.length() : query);
            }
            case SOURCE_UNSPECIFIED, UNRECOGNIZED -> 0;
        };
    }

    /** The value of cookie {@link #name} in a {@code Cookie: a=1; b=2} header, parsed in place. */
    private long cookie(String header) {
        if (header == null) {
            return random();
        }
        int i = 0;
        int length = header.length();
        while (i < length) {
            while (i < length && (header.charAt(i) == ' ' || header.charAt(i) == ';')) {
                i++;
            }
            int end = header.indexOf(';', i);
            if (end < 0) {
                end = length;
            }
            if (end - i > name.length() && header.charAt(i + name.length()) == '='
                    && header.regionMatches(i, name, 0, name.length())) {
                int start = i + name.length() + 1;
                if (end - start >= 2 && header.charAt(start) == '"' && header.charAt(end - 1) == '"') {
                    return of(header, start + 1, end - 1);
                }
                return of(header, start, end);
            }
            i = end + 1;
        }
        return random();
    }

    private static long orRandom(String value, int from, int to) {
        return value == null ? random() : of(value, from, to < 0 ? value.length() : to);
    }

    private static long random() {
        return ThreadLocalRandom.current().nextLong();
    }

    /** FNV-1a over {@code value[from, to)}, finished with fmix64. */
    static long of(CharSequence value, int from, int to) {
        long h = 0xcbf29ce484222325L;
        for (int i = from; i < to; i++) {
            h ^= value.charAt(i);
            h *= 0x100000001b3L;
        }
        return EndpointHash.fmix64(h);
    }

    @Override
    public String toString() {
        return name.isEmpty() ? source.name() : source.name() + " " + name;
    }
}
