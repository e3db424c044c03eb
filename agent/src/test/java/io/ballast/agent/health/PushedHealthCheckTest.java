package io.ballast.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PushedHealthCheckTest {

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void pushedFieldsOverrideTheAgentsAndTheRestStays() {
        HealthCheckConfig own = HealthCheckConfig.defaults();
        HealthCheckConfig pushed = PushedHealthCheck.apply(own, json("{\"healthCheck\": {\"path\": \"/ready\","
                + " \"statusMin\": 200, \"statusMax\": 204, \"timeoutMillis\": 250, \"fall\": 4}}")).orElseThrow();
        assertThat(pushed).isEqualTo(new HealthCheckConfig(HealthCheckKind.HTTP, "/ready", 200, 204, own.interval(),
                Duration.ofMillis(250), own.rise(), 4));
        assertThat(PushedHealthCheck.apply(own, json("{\"algorithm\": \"RANDOM\"}"))).isEmpty();
    }

    @Test
    void invalidPushedValuesNameTheField() {
        assertThatThrownBy(() -> PushedHealthCheck.apply(HealthCheckConfig.defaults(), json("{\"healthCheck\": {\"rise\": 500}}")))
                .hasMessage("rise: 500 (expected: 1..100)");
        assertThatThrownBy(() -> PushedHealthCheck.apply(HealthCheckConfig.defaults(), json("{\"healthCheck\": {\"kind\": \"udp\"}}")))
                .hasMessageStartingWith("health_check.kind: \"udp\"");
        assertThatThrownBy(() -> PushedHealthCheck.apply(HealthCheckConfig.defaults(), json("not json")))
                .hasMessageStartingWith("config/services payload: not JSON");
    }
}
