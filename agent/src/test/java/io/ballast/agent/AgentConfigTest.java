package io.ballast.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.agent.health.HealthCheckConfig;
import io.ballast.agent.health.HealthCheckKind;
import io.ballast.common.config.HostPort;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentConfigTest {

    private static AgentConfig.Builder valid() {
        return AgentConfig.builder().service("web").backend("10.0.0.5:8001");
    }

    @Test
    void fillsTheDocumentedDefaults() {
        AgentConfig config = valid().build();

        assertThat(config.zkConnect()).isEqualTo("127.0.0.1:2181");
        assertThat(config.cluster()).isEqualTo("default");
        assertThat(config.id()).isEqualTo("10.0.0.5-8001");
        assertThat(config.backend()).isEqualTo(new HostPort("10.0.0.5", 8001));
        assertThat(config.zone()).isEmpty();
        assertThat(config.weight()).isEqualTo(100);
        assertThat(config.metadata()).isEmpty();
        assertThat(config.healthCheck()).isEqualTo(new HealthCheckConfig(HealthCheckKind.HTTP, "/healthz", 200, 399,
                Duration.ofSeconds(1), Duration.ofMillis(500), 2, 2));
        assertThat(config.healthCheck()).isEqualTo(HealthCheckConfig.defaults());
        assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.sessionTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(config.registrationPath()).isEqualTo("/ballast/default/backends/web/10.0.0.5-8001");
        assertThat(config.loadUrl()).isNull();
        assertThat(config.loadTimeout()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void theLoadUrlIsAnHttpUrlReadWithinTheCheckTimeoutAtMostOneSecond() {
        AgentConfig config = valid().loadUrl("http://127.0.0.1:8001/ballast/load?x=1").build();
        assertThat(config.loadUrl()).isEqualTo(URI.create("http://127.0.0.1:8001/ballast/load?x=1"));
        assertThat(valid().loadUrl(" HTTP://backend/load ").build().loadUrl()).isEqualTo(URI.create("HTTP://backend/load"));
        assertThat(valid().loadUrl("").build().loadUrl()).isNull();
        assertThat(valid().loadUrl((String) null).build().loadUrl()).isNull();

        assertThat(valid().timeout(Duration.ofMillis(200)).build().loadTimeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(valid().timeout(Duration.ofSeconds(5)).build().loadTimeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void refusesALoadUrlThatIsNotHttp() {
        assertThatThrownBy(() -> valid().loadUrl("ftp://x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("load-url: \"ftp://x\" (expected: an http:// URL)");
        assertThatThrownBy(() -> valid().loadUrl("https://x/load"))
                .hasMessage("load-url: \"https://x/load\" (expected: an http:// URL)");
        assertThatThrownBy(() -> valid().loadUrl("/ballast/load"))
                .hasMessage("load-url: \"/ballast/load\" (expected: an http:// URL)");
        assertThatThrownBy(() -> valid().loadUrl("http://"))
                .hasMessage("load-url: \"http://\" (expected: an http:// URL)");
        assertThatThrownBy(() -> valid().loadUrl("http://a b/load"))
                .hasMessage("load-url: \"http://a b/load\" (expected: an http:// URL)");
        assertThatThrownBy(() -> valid().loadUrl("http://h:99999/load"))
                .hasMessage("load-url: \"http://h:99999/load\" (expected: an http:// URL)");
        assertThatThrownBy(() -> valid().loadUrl(URI.create("mailto:a@b")).build())
                .hasMessage("load-url: \"mailto:a@b\" (expected: an http:// URL)");
    }

    @Test
    void theDefaultIdIsSanitised() {
        assertThat(AgentConfig.defaultId(new HostPort("my host", 80))).isEqualTo("my_host-80");
        assertThat(AgentConfig.defaultId(new HostPort("::1", 8080))).isEqualTo("::1-8080");
        assertThat(AgentConfig.defaultId(new HostPort("h".repeat(200), 1))).hasSize(128).endsWith("h-1");
    }

    @Test
    void refusesBadValuesNamingTheOption() {
        assertThatThrownBy(() -> valid().weight(-3).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("weight: -3 (expected: 0..10000)");
        assertThatThrownBy(() -> valid().weight(10_001).build()).hasMessage("weight: 10001 (expected: 0..10000)");
        assertThatThrownBy(() -> AgentConfig.builder().backend("h:1").build())
                .hasMessage("service: null (expected: [a-z0-9][a-z0-9._-]{0,62})");
        assertThatThrownBy(() -> valid().service("Web").build())
                .hasMessage("service: \"Web\" (expected: [a-z0-9][a-z0-9._-]{0,62})");
        assertThatThrownBy(() -> AgentConfig.builder().service("web").build())
                .hasMessage("backend: null (expected: host:port with port 1..65535)");
        assertThatThrownBy(() -> valid().backend("nohost"))
                .hasMessage("backend: \"nohost\" (expected: host:port with port 1..65535)");
        assertThatThrownBy(() -> valid().id("a/b").build())
                .hasMessage("id: \"a/b\" (expected: [A-Za-z0-9._:-]{1,128})");
        assertThatThrownBy(() -> valid().zkConnect("zk1").build())
                .hasMessage("zk: \"zk1\" (expected: host:port[,host:port...])");
        assertThatThrownBy(() -> valid().cluster("").build()).hasMessageStartingWith("cluster: \"\"");
        assertThatThrownBy(() -> valid().zone("zone a").build()).hasMessageStartingWith("zone: \"zone a\"");
        assertThatThrownBy(() -> valid().interval(Duration.ZERO).build()).hasMessage("interval-ms: 0 (expected: > 0)");
        assertThatThrownBy(() -> valid().timeout(Duration.ofMillis(-1)).build())
                .hasMessage("timeout-ms: -1 (expected: > 0)");
        assertThatThrownBy(() -> valid().rise(0).build()).hasMessage("rise: 0 (expected: 1..100)");
        assertThatThrownBy(() -> valid().fall(0).build()).hasMessage("fall: 0 (expected: 1..100)");
        assertThatThrownBy(() -> valid().heartbeatInterval(Duration.ZERO).build())
                .hasMessage("heartbeat-ms: 0 (expected: > 0)");
        assertThatThrownBy(() -> valid().sessionTimeout(Duration.ZERO).build())
                .hasMessage("session-timeout-ms: 0 (expected: > 0)");
        assertThatThrownBy(() -> valid().healthPath("healthz").build())
                .hasMessage("health-path: \"healthz\" (expected: a path starting with / and without spaces)");
        assertThatThrownBy(() -> valid().expectedStatus(400, 200).build())
                .hasMessage("health-status: \"400-200\" (expected: MIN-MAX within 100-599)");
    }

    @Test
    void parsesMetadataPairs() {
        assertThat(AgentConfig.parseMetadata(List.of("rack=r1", "version=1.2=beta", "empty="))).containsExactly(
                Map.entry("rack", "r1"), Map.entry("version", "1.2=beta"), Map.entry("empty", ""));
        assertThatThrownBy(() -> AgentConfig.parseMetadata(List.of("rack")))
                .hasMessage("metadata: \"rack\" (expected: key=value)");
        assertThatThrownBy(() -> AgentConfig.parseMetadata(List.of("=v"))).hasMessage("metadata: \"=v\" (expected: key=value)");
        assertThatThrownBy(() -> AgentConfig.parseMetadata(List.of("a=1", "a=2")))
                .hasMessage("metadata: \"a=2\" (expected: each key once)");
    }

    @Test
    void refusesTooMuchMetadata() {
        Map<String, String> metadata = new HashMap<>();
        for (int i = 0; i < 33; i++) {
            metadata.put("k" + i, "v");
        }
        assertThatThrownBy(() -> valid().metadata(metadata).build())
                .hasMessage("metadata: \"33 entries\" (expected: at most 32)");
    }

    @Test
    void theRegistrationCarriesTheConfiguredValues() {
        AgentConfig config = valid().id("web-1").zone("zone-a").weight(7).metadata(List.of("rack=r1")).build();
        var registration = config.registration("1.0", 42, null);

        assertThat(registration.problems()).isEmpty();
        assertThat(registration.service()).isEqualTo("web");
        assertThat(registration.id()).isEqualTo("web-1");
        assertThat(registration.host()).isEqualTo("10.0.0.5");
        assertThat(registration.port()).isEqualTo(8001);
        assertThat(registration.zone()).isEqualTo("zone-a");
        assertThat(registration.weight()).isEqualTo(7);
        assertThat(registration.metadata()).containsExactly(Map.entry("rack", "r1"));
        assertThat(registration.agentVersion()).isEqualTo("1.0");
        assertThat(registration.startedAtMillis()).isEqualTo(42);
    }
}
