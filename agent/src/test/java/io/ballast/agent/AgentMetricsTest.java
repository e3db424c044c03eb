package io.ballast.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.testing.RecordingBackend;
import io.ballast.testing.Scrape;
import io.ballast.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** {@code --metrics}: a real agent against a real ZooKeeper and backend, scraped over HTTP. */
class AgentMetricsTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    @RegisterExtension
    final RecordingBackend backends = new RecordingBackend();

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<Agent> agents = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAgents() {
        agents.forEach(Agent::close);
    }

    private Agent start(RecordingBackend.Instance backend, String loadPath) {
        Agent agent = Agent.start(AgentConfig.builder()
                .zkConnect(zk.connectString())
                .cluster(ZooKeeperExtension.uniqueCluster("agent-metrics"))
                .service("web")
                .id("web-1")
                .backend(backend.host() + ":" + backend.port())
                .interval(Duration.ofMillis(50))
                .timeout(Duration.ofMillis(500))
                .rise(2)
                .fall(2)
                .heartbeatInterval(Duration.ofMillis(100))
                .sessionTimeout(Duration.ofSeconds(2))
                .loadUrl(loadPath == null ? null : "http://" + backend.host() + ":" + backend.port() + loadPath)
                .metrics("127.0.0.1:0")
                .build());
        agents.add(agent);
        return agent;
    }

    private static Scrape scrape(Agent agent) {
        Scrape scrape = Scrape.of(agent.metricsAddress().orElseThrow());
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        return scrape;
    }

    @Test
    void healthAndRegistrationGaugesFollowTheBackendAndProbesAreTimed() {
        RecordingBackend.Instance backend = backends.start("web-1");
        Agent agent = start(backend, null);

        await().atMost(WAIT).until(() -> scrape(agent).value("ballast_agent_healthy") == 1);
        await().atMost(WAIT).until(() -> scrape(agent).value("ballast_agent_registered") == 1);
        Scrape healthy = scrape(agent);
        assertThat(healthy.value("ballast_agent_probe_duration_seconds_count", "result", "pass"))
                .as("rise 2: at least two passing probes").isGreaterThanOrEqualTo(2);
        assertThat(healthy.value("ballast_agent_probe_duration_seconds_count", "result", "fail")).isZero();
        assertThat(healthy.value("ballast_agent_load_fetch_failures_total")).isZero();

        backend.respondWith(503);
        await().atMost(WAIT).until(() -> scrape(agent).value("ballast_agent_healthy") == 0);
        await().atMost(WAIT).until(() -> scrape(agent).value("ballast_agent_registered") == 0);
        assertThat(scrape(agent).value("ballast_agent_probe_duration_seconds_count", "result", "fail"))
                .as("fall 2: at least two failing probes").isGreaterThanOrEqualTo(2);
    }

    @Test
    void countsLoadReadsThatGiveNoValidReport() {
        RecordingBackend.Instance backend = backends.start("web-1");
        backend.respondWith("/load", 500);
        Agent agent = start(backend, "/load");

        await().atMost(WAIT).until(() -> scrape(agent).value("ballast_agent_load_fetch_failures_total") >= 2);
    }

    @Test
    void metricsAreOffUnlessAskedForAndTheOptionIsValidated() {
        AgentCommand off = new AgentCommand();
        new CommandLine(off).parseArgs("--service", "web", "--backend", "127.0.0.1:8001");
        assertThat(off.toConfig().metrics()).isNull();

        AgentCommand on = new AgentCommand();
        new CommandLine(on).parseArgs("--service", "web", "--backend", "127.0.0.1:8001", "--metrics", "127.0.0.1:9103");
        assertThat(on.toConfig().metrics().getPort()).isEqualTo(9103);

        AgentCommand bad = new AgentCommand();
        new CommandLine(bad).parseArgs("--service", "web", "--backend", "127.0.0.1:8001", "--metrics", "nowhere");
        assertThatThrownBy(bad::toConfig).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("metrics: \"nowhere\" (expected: host:port with port 0..65535)");
    }
}
