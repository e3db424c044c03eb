package io.ballast.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.HashKey;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

class RequestHashTest {

    private static HttpRequest request(String... headers) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a?b=c");
        for (int i = 0; i < headers.length; i += 2) {
            request.headers().add(headers[i], headers[i + 1]);
        }
        return request;
    }

    private static RequestHash of(HashKey.Source source, String name) {
        return RequestHash.of(HashKey.newBuilder().setSource(source).setName(name).build());
    }

    @Test
    void aHeaderHashesByItsValueOnly() {
        RequestHash hash = of(HashKey.Source.HEADER, "x-user");
        long alice = hash.hash(request("X-User", "alice", "Other", "1"), "/a", "10.0.0.1");
        assertThat(hash.hash(request("x-user", "alice"), "/b", "10.0.0.2")).isEqualTo(alice);
        assertThat(hash.hash(request("x-user", "bob"), "/a", "10.0.0.1")).isNotEqualTo(alice);
        assertThat(alice).isEqualTo(RequestHash.of("alice", 0, 5));
    }

    @Test
    void aCookieIsFoundAmongOthersAndUnquoted() {
        RequestHash hash = of(HashKey.Source.COOKIE, "session");
        long expected = RequestHash.of("s1", 0, 2);
        assertThat(hash.hash(request("Cookie", "session=s1"), "/", "ip")).isEqualTo(expected);
        assertThat(hash.hash(request("Cookie", "a=1; session=s1; b=2"), "/", "ip")).isEqualTo(expected);
        assertThat(hash.hash(request("Cookie", "xsession=no; session=\"s1\""), "/", "ip")).isEqualTo(expected);
    }

    @Test
    void clientIpAndPathIgnoreTheRest() {
        assertThat(of(HashKey.Source.CLIENT_IP, "").hash(request(), "/x", "10.0.0.7"))
                .isEqualTo(RequestHash.of("10.0.0.7", 0, 8));
        RequestHash path = of(HashKey.Source.PATH, "");
        assertThat(path.hash(request(), "/cart?id=1", "ip")).isEqualTo(path.hash(request(), "/cart?id=2", "other"))
                .isEqualTo(RequestHash.of("/cart", 0, 5));
    }

    @Test
    void aMissingKeySpreadsAtRandomAndNonHashingServicesReadNothing() {
        RequestHash hash = of(HashKey.Source.HEADER, "x-user");
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < 20; i++) {
            seen.add(hash.hash(request(), "/", "ip"));
        }
        assertThat(seen).hasSizeGreaterThan(15);
        assertThat(of(HashKey.Source.COOKIE, "session").hash(request("Cookie", "other=1"), "/", "ip"))
                .isNotEqualTo(of(HashKey.Source.COOKIE, "session").hash(request("Cookie", "other=1"), "/", "ip"));
        assertThat(RequestHash.NONE.hash(request("x-user", "a"), "/", "ip")).isZero();
    }
}
