package io.ballast.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProxyConfigTest {

    @Test
    void hasDocumentedDefaults() {
        ProxyConfig config = ProxyConfig.builder().build();
        assertThat(config.bindHost()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.ioThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(config.clientIdleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.retryBufferBytes()).isEqualTo(64 * 1024);
        assertThat(config.maxIdlePerBackend()).isEqualTo(64);
    }

    @Test
    void rejectsInvalidValuesNamingTheField() {
        assertThatThrownBy(() -> ProxyConfig.builder().port(70_000).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("port: 70000 (expected: 0..65535)");
        assertThatThrownBy(() -> ProxyConfig.builder().ioThreads(0).build())
                .hasMessage("ioThreads: 0 (expected: 1..1024)");
        assertThatThrownBy(() -> ProxyConfig.builder().bindHost(" ").build())
                .hasMessage("bindHost: \" \" (expected: a non-empty string)");
        assertThatThrownBy(() -> ProxyConfig.builder().clientIdleTimeout(Duration.ZERO).build())
                .hasMessage("clientIdleTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> ProxyConfig.builder().retryBufferBytes(-1).build())
                .hasMessageStartingWith("retryBufferBytes: -1");
        assertThatThrownBy(() -> ProxyConfig.builder().maxIdlePerBackend(-1).build())
                .hasMessageStartingWith("maxIdlePerBackend: -1");
    }
}
