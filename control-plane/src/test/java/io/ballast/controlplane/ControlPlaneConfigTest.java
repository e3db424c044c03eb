package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.common.config.HostPort;
import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ControlPlaneConfigTest {

    @Test
    void defaults() {
        ControlPlaneConfig config = ControlPlaneConfig.builder().build();

        assertThat(config.zkConnect()).isEqualTo("127.0.0.1:2181");
        assertThat(config.cluster()).isEqualTo("default");
        assertThat(config.id()).isEmpty();
        assertThat(config.listenHost()).isEqualTo("127.0.0.1");
        assertThat(config.listenPort()).isEqualTo(7000);
        assertThat(config.advertise()).isEmpty();
        assertThat(config.sessionTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(config.debounce()).isEqualTo(Duration.ofMillis(20));
        assertThat(config.defaultService()).isEqualTo("web");
    }

    @Test
    void advertiseAndIdDefaultToTheBoundListenAddress() {
        ControlPlaneConfig config = ControlPlaneConfig.builder().listen("127.0.0.1:0").build();

        HostPort advertised = config.advertiseFor(41_234);

        assertThat(advertised).isEqualTo(new HostPort("127.0.0.1", 41_234));
        assertThat(config.idFor(advertised)).isEqualTo("127.0.0.1:41234");
    }

    @Test
    void explicitAdvertiseAndIdWin() {
        ControlPlaneConfig config = ControlPlaneConfig.builder()
                .listen("0.0.0.0:7000").advertise("cp1:7000").id("cp-1").build();

        assertThat(config.advertiseFor(7000)).isEqualTo(new HostPort("cp1", 7000));
        assertThat(config.idFor(config.advertiseFor(7000))).isEqualTo("cp-1");
        assertThat(config.advertise()).contains(new HostPort("cp1", 7000));
        assertThat(config.id()).isEqualTo(Optional.of("cp-1"));
    }

    @Test
    void ipv6IdDropsTheBrackets() {
        ControlPlaneConfig config = ControlPlaneConfig.builder().listen("[::1]:7001").build();

        assertThat(config.listenHost()).isEqualTo("::1");
        assertThat(config.idFor(config.advertiseFor(7001))).isEqualTo("::1:7001");
    }

    @Test
    void eachBadValueIsNamedWithWhatWasExpected() {
        assertInvalid(b -> b.zkConnect("nope"), "zk: \"nope\" (expected: host:port[,host:port...])");
        assertInvalid(b -> b.cluster("Bad Name"), "cluster: \"Bad Name\" (expected: [a-z0-9][a-z0-9._-]{0,62})");
        assertInvalid(b -> b.id("has space"), "id: \"has space\" (expected: [A-Za-z0-9._:-]{1,128})");
        assertInvalid(b -> b.listen("localhost"), "listen: \"localhost\" (expected: host:port with port 0..65535)");
        assertInvalid(b -> b.listen("localhost:70000"), "listen: \"localhost:70000\" (expected: host:port with port 0..65535)");
        assertInvalid(b -> b.advertise("cp1:0"), "advertise: \"cp1:0\" (expected: host:port with port 1..65535)");
        assertInvalid(b -> b.sessionTimeout(Duration.ofMillis(100)), "session-timeout-ms: 100 (expected: 500..600000)");
        assertInvalid(b -> b.sessionTimeout(null), "session-timeout-ms: null (expected: 500..600000)");
        assertInvalid(b -> b.debounce(Duration.ofMillis(500)), "debounce-ms: 500 (expected: 0..200)");
        assertInvalid(b -> b.debounce(Duration.ofMillis(-1)), "debounce-ms: -1 (expected: 0..200)");
        assertInvalid(b -> b.defaultService("WEB"), "default-service: \"WEB\" (expected: [a-z0-9][a-z0-9._-]{0,62})");
    }

    @Test
    void boundaryValuesAreAccepted() {
        ControlPlaneConfig config = ControlPlaneConfig.builder()
                .sessionTimeout(Duration.ofMillis(500)).debounce(Duration.ZERO).listen("localhost:65535").build();

        assertThat(config.debounce()).isZero();
        assertThat(ControlPlaneConfig.builder().debounce(Duration.ofMillis(200)).build().debounce()).hasMillis(200);
    }

    private static void assertInvalid(UnaryOperator<ControlPlaneConfig.Builder> change, String message) {
        assertThatThrownBy(() -> change.apply(ControlPlaneConfig.builder()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }
}
