package io.ballast.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChecksTest {

    @Test
    void rangeMessageNamesFieldValueAndExpectation() {
        assertThatThrownBy(() -> Checks.checkWeight("weight", -3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("weight: -3 (expected: 0..10000)");
        assertThat(Checks.checkWeight("weight", 10_000)).isEqualTo(10_000);
    }

    @Test
    void stringValuesAreQuoted() {
        assertThatThrownBy(() -> Checks.checkName("service", "Web!"))
                .hasMessage("service: \"Web!\" (expected: " + Checks.NAME.pattern() + ")");
        assertThatThrownBy(() -> Checks.checkId("id", null)).hasMessageStartingWith("id: null (expected: ");
    }

    @Test
    void hostPortParsesAndRejects() {
        assertThat(HostPort.parse("listen", "127.0.3.1:8080")).isEqualTo(new HostPort("127.0.3.1", 8080));
        assertThat(HostPort.parse("listen", "[::1]:80").toString()).isEqualTo("[::1]:80");
        assertThatThrownBy(() -> HostPort.parse("listen", "localhost:99999"))
                .hasMessage("listen: \"localhost:99999\" (expected: host:port with port 1..65535)");
        assertThatThrownBy(() -> HostPort.parse("listen", "8080"))
                .hasMessage("listen: \"8080\" (expected: host:port with port 1..65535)");
    }

    @Test
    void connectStringNeedsEveryPartValid() {
        assertThat(HostPort.checkConnectString("zk", "a:1,b:2")).isEqualTo("a:1,b:2");
        assertThatThrownBy(() -> HostPort.checkConnectString("zk", "a:1,b"))
                .hasMessage("zk: \"a:1,b\" (expected: host:port[,host:port...])");
    }
}
