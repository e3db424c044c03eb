package io.ballast.controlplane.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.json.Json;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZkEntriesTest {

    private static final ZkEntries.Key KEY = new ZkEntries.Key("web", "a");

    @Test
    void keyOnlyForServiceSlashId() {
        assertThat(ZkEntries.key("/b/backends", "/b/backends/web/a")).contains(KEY);
        assertThat(ZkEntries.key("/b/backends", "/b/backends")).isEmpty();
        assertThat(ZkEntries.key("/b/backends", "/b/backends/web")).isEmpty();
        assertThat(ZkEntries.key("/b/backends", "/b/backends/web/a/deeper")).isEmpty();
        assertThat(ZkEntries.key("/b/backends", "/b/backendsx/web/a")).isEmpty();
    }

    @Test
    void validRegistrationParses() {
        BackendRegistration registration = new BackendRegistration("web", "a", "10.0.0.1", 80, "", 5, Map.of(), "1", 0, null);

        ZkEntries.Parsed<BackendRegistration> parsed = ZkEntries.registration(KEY, Json.write(registration));

        assertThat(parsed.isValid()).isTrue();
        assertThat(parsed.value()).isEqualTo(registration);
    }

    @Test
    void invalidRegistrationGivesEveryProblem() {
        BackendRegistration bad = new BackendRegistration("web", "a", "", 0, "", 20_000, Map.of(), "1", 0, null);

        ZkEntries.Parsed<BackendRegistration> parsed = ZkEntries.registration(KEY, Json.write(bad));

        assertThat(parsed.isValid()).isFalse();
        assertThat(parsed.problem()).contains("host: \"\" (expected: a non-empty string)", "port: 0 (expected: 1..65535)",
                "weight: 20000 (expected: 0..10000)");
    }

    @Test
    void unparsableRegistrationIsInvalid() {
        ZkEntries.Parsed<BackendRegistration> parsed = ZkEntries.registration(KEY, "{not json".getBytes(StandardCharsets.UTF_8));

        assertThat(parsed.isValid()).isFalse();
        assertThat(parsed.problem()).startsWith("registration web/a: invalid payload");
        assertThat(ZkEntries.registration(KEY, new byte[0]).problem()).contains("empty payload");
    }

    @Test
    void registrationMustMatchItsPath() {
        BackendRegistration elsewhere = new BackendRegistration("api", "a", "10.0.0.1", 80, "", 5, Map.of(), "1", 0, null);

        ZkEntries.Parsed<BackendRegistration> parsed = ZkEntries.registration(KEY, Json.write(elsewhere));

        assertThat(parsed.problem()).isEqualTo("service/id: \"api/a\" (expected: \"web/a\", the znode's path)");
    }

    @Test
    void overrideWeightOutOfRangeIsInvalid() {
        assertThat(ZkEntries.override(KEY, Json.write(new EndpointOverride(3, true))).value())
                .isEqualTo(new EndpointOverride(3, true));
        assertThat(ZkEntries.override(KEY, Json.write(new EndpointOverride(10_001, false))).problem())
                .isEqualTo("weight: 10001 (expected: 0..10000)");
    }
}
