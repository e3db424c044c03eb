package io.ballast.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.ballast.agent.health.HealthCheckKind;
import io.ballast.agent.health.HealthState;
import io.ballast.common.json.Json;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.LoadReport;
import io.ballast.testing.RecordingBackend;
import io.ballast.testing.ZooKeeperExtension;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real agent against a real ZooKeeper server and a real HTTP backend. */
class AgentTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    @RegisterExtension
    static final RecordingBackend backends = new RecordingBackend();

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<Agent> agents = new CopyOnWriteArrayList<>();
    private CuratorFramework observer;
    private String cluster;

    @BeforeEach
    void setUp() {
        observer = zk.newClient(Duration.ofSeconds(2));
        cluster = ZooKeeperExtension.uniqueCluster("agent");
    }

    @AfterEach
    void closeAgents() {
        agents.forEach(Agent::close);
    }

    private AgentConfig.Builder config(RecordingBackend.Instance backend) {
        return AgentConfig.builder()
                .zkConnect(zk.connectString())
                .cluster(cluster)
                .service("web")
                .id("web-1")
                .backend(backend.host() + ":" + backend.port())
                .zone("zone-a")
                .weight(42)
                .metadata(List.of("rack=r1"))
                .interval(Duration.ofMillis(100))
                .timeout(Duration.ofMillis(500))
                .rise(2)
                .fall(3)
                .heartbeatInterval(Duration.ofMillis(200))
                .sessionTimeout(Duration.ofSeconds(2));
    }

    private Agent start(AgentConfig config) {
        Agent agent = Agent.start(config);
        agents.add(agent);
        return agent;
    }

    private Stat stat(String path) throws Exception {
        return observer.checkExists().forPath(path);
    }

    private BackendRegistration read(String path) throws Exception {
        return Json.read(observer.getData().forPath(path), BackendRegistration.class, path);
    }

    @Test
    void healthCheckSettingsPushedForTheServiceReplaceTheAgentsOwnAndAHealthyBackendStaysRegistered() throws Exception {
        RecordingBackend.Instance backend = backends.start("web-1");
        Agent agent = start(config(backend).build());
        io.ballast.common.zk.ZkPaths paths = io.ballast.common.zk.ZkPaths.forCluster(cluster);
        await().atMost(WAIT).until(() -> stat(paths.backend("web", "web-1")) != null);
        assertThat(agent.activeHealthCheck()).isEqualTo(config(backend).build().healthCheck());

        byte[] pushed = ("{\"service\": \"web\", \"algorithm\": \"ROUND_ROBIN\", \"healthCheck\": "
                + "{\"kind\": \"tcp\", \"intervalMillis\": 150, \"rise\": 5}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        observer.create().creatingParentsIfNeeded().forPath(paths.serviceConfig("web"), pushed);
        await().atMost(WAIT).until(() -> agent.activeHealthCheck().kind() == io.ballast.agent.health.HealthCheckKind.TCP);
        assertThat(agent.activeHealthCheck().interval()).isEqualTo(Duration.ofMillis(150));
        assertThat(agent.activeHealthCheck().rise()).isEqualTo(5);
        assertThat(agent.activeHealthCheck().fall()).as("not pushed: the agent's own").isEqualTo(3);
        assertThat(stat(paths.backend("web", "web-1"))).as("still registered across the change").isNotNull();

        // A foreign, invalid push is ignored; removing the policy brings the agent's own options back.
        observer.setData().forPath(paths.serviceConfig("web"),
                "{\"healthCheck\": {\"rise\": 500}}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        observer.delete().forPath(paths.serviceConfig("web"));
        await().atMost(WAIT).until(() -> agent.activeHealthCheck().kind() == io.ballast.agent.health.HealthCheckKind.HTTP);
        assertThat(agent.activeHealthCheck()).isEqualTo(config(backend).build().healthCheck());
        assertThat(stat(paths.backend("web", "web-1"))).isNotNull();
    }

    @Test
    void registersOnceTheBackendIsHealthyWithTheConfiguredPayload() throws Exception {
        RecordingBackend.Instance backend = backends.start("web-1");
        Agent agent = start(config(backend).build());
        String path = "/ballast/" + cluster + "/backends/web/web-1";

        await().atMost(WAIT).until(() -> stat(path) != null);

        BackendRegistration registration = read(path);
        assertThat(registration.service()).isEqualTo("web");
        assertThat(registration.id()).isEqualTo("web-1");
        assertThat(registration.host()).isEqualTo(backend.host());
        assertThat(registration.port()).isEqualTo(backend.port());
        assertThat(registration.zone()).isEqualTo("zone-a");
        assertThat(registration.weight()).isEqualTo(42);
        assertThat(registration.metadata()).isEqualTo(Map.of("rack", "r1"));
        assertThat(registration.agentVersion()).isEqualTo(AgentVersion.get()).isNotEqualTo("unknown");
        assertThat(registration.startedAtMillis()).isPositive();
        assertThat(registration.load()).isNotNull();
        assertThat(registration.load().inFlight()).isEqualTo(-1);
        assertThat(registration.load().cpuUtilization()).isBetween(-1.0, 1.0);
        assertThat(agent.health()).isEqualTo(HealthState.HEALTHY);
        assertThat(agent.isRegistered()).isTrue();
        // EPHEMERAL, owned by the agent's session.
        assertThat(stat(path).getEphemeralOwner())
                .isEqualTo(agent.zkClient().getZookeeperClient().getZooKeeper().getSessionId());
    }

    @Test
    void neverRegistersABackendThatFailsItsChecks() throws Exception {
        RecordingBackend.Instance backend = backends.start("web-1");
        backend.respondWith(500);
        Agent agent = start(config(backend).build());
        String path = agent.config().registrationPath();

        // Enough probes for several rise windows, and ZooKeeper is connected.
        await().atMost(WAIT).until(() -> backend.requests() >= 6
                && agent.zkClient().getZookeeperClient().isConnected());
        assertThat(stat(path)).isNull();
        assertThat(agent.health()).isEqualTo(HealthState.UNHEALTHY);
        assertThat(agent.isRegistered()).isFalse();
    }

    @Test
    void deregistersAfterFallFailuresAndRegistersAgainAfterRise() throws Exception {
        RecordingBackend.Instance backend = backends.start("web-1");
        Agent agent = start(config(backend).build());
        String path = agent.config().registrationPath();
        await().atMost(WAIT).until(() -> stat(path) != null);

        int requestsBeforeFailing = backend.requests();
        backend.respondWith(500);
        await().atMost(WAIT).until(() -> stat(path) == null);
        // fall = 3. One probe may have been in flight when the status changed, so at least
        // fall - 1 probes started after it: the agent did not give up on the first failure.
        assertThat(backend.requests() - requestsBeforeFailing).isGreaterThanOrEqualTo(2);
        assertThat(agent.health()).isEqualTo(HealthState.UNHEALTHY);

        backend.respondWith(200);
        await().atMost(WAIT).until(() -> stat(path) != null);
        assertThat(read(path).weight()).isEqualTo(42);
        assertThat(agent.health()).isEqualTo(HealthState.HEALTHY);
    }

    @Test
    void tcpCheckDeregistersWhenTheBackendStops() throws Exception {
        RecordingBackend.Instance backend = backends.start("web-1");
        Agent agent = start(config(backend).healthCheck(HealthCheckKind.TCP).build());
        String path = agent.config().registrationPath();
        await().atMost(WAIT).until(() -> stat(path) != null);

        backend.stop();

        await().atMost(WAIT).until(() -> stat(path) == null);
        assertThat(agent.health()).isEqualTo(HealthState.UNHEALTHY);
    }

    @Test
    void aLostSessionTakesTheRegistrationAndTheNewSessionRecreatesIt() throws Exception {
        RecordingBackend.Instance backend = backends.start("web-1");
        Agent agent = start(config(backend).build());
        String path = agent.config().registrationPath();
        await().atMost(WAIT).until(() -> stat(path) != null);
        long oldSession = agent.zkClient().getZookeeperClient().getZooKeeper().getSessionId();
        assertThat(stat(path).getEphemeralOwner()).isEqualTo(oldSession);

        // A persistent watch sees every event on the path, so the deletion cannot be missed.
        List<EventType> events = new CopyOnWriteArrayList<>();
        observer.watchers().add().withMode(AddWatchMode.PERSISTENT)
                .usingWatcher((org.apache.zookeeper.Watcher) event -> events.add(event.getType())).forPath(path);

        KillSession.kill(agent.zkClient().getZookeeperClient().getZooKeeper());

        // The server expires the old session (after its timeout): the znode goes, then the
        // PersistentNode re-creates it under the agent's new session.
        await().atMost(WAIT).until(() -> {
            Stat stat = stat(path);
            long session = agent.zkClient().getZookeeperClient().getZooKeeper().getSessionId();
            return stat != null && session != oldSession && stat.getEphemeralOwner() == session;
        });
        assertThat(events).contains(EventType.NodeDeleted);
        assertThat(events.lastIndexOf(EventType.NodeCreated)).isGreaterThan(events.indexOf(EventType.NodeDeleted));
        assertThat(read(path).id()).isEqualTo("web-1");
    }

    @Test
    void closeRemovesTheRegistrationAtOnceNotAfterTheSessionTimeout() throws Exception {
        RecordingBackend.Instance backend = backends.start("web-1");
        // The test server clamps sessions to 20 ticks (2 s); we ask for 10 s, and whatever was
        // negotiated, the znode must be gone well before it would expire.
        Agent agent = start(config(backend).sessionTimeout(Duration.ofSeconds(10)).build());
        String path = agent.config().registrationPath();
        await().atMost(WAIT).until(() -> stat(path) != null);
        int negotiatedMillis = agent.zkClient().getZookeeperClient().getZooKeeper().getSessionTimeout();
        assertThat(negotiatedMillis).isGreaterThanOrEqualTo(2_000);

        long start = System.nanoTime();
        agent.close();
        await().atMost(Duration.ofSeconds(1)).until(() -> stat(path) == null);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(negotiatedMillis / 2);
        assertThat(agent.isRegistered()).isFalse();
    }

    @Test
    void theLoadReportCarriesWhatTheBackendReportsAtItsLoadUrl() throws Exception {
        RecordingBackend.Instance backend = backends.start("web-1");
        AtomicReference<String> answer = new AtomicReference<>("{\"qps\": 12.5, \"utilization\": 0.25, \"inFlight\": 3}");
        HttpServer loadServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        loadServer.createContext("/ballast/load", exchange -> {
            byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        loadServer.start();
        try {
            Agent agent = start(config(backend)
                    .loadUrl("http://127.0.0.1:" + loadServer.getAddress().getPort() + "/ballast/load").build());
            String path = agent.config().registrationPath();
            await().atMost(WAIT).until(() -> stat(path) != null);
            LoadReport load = read(path).load();
            assertThat(load.qps()).isEqualTo(12.5);
            assertThat(load.utilization()).isEqualTo(0.25);
            assertThat(load.inFlight()).isEqualTo(3);
            assertThat(load.cpuUtilization()).isBetween(-1.0, 1.0);

            // An out-of-range answer: the next heartbeat reports qps and utilization unknown.
            answer.set("{\"qps\": 12.5, \"utilization\": 1.5}");
            await().atMost(WAIT).until(() -> read(path).load().utilization() == LoadReport.UNKNOWN);
            assertThat(read(path).load().qps()).isEqualTo(LoadReport.UNKNOWN);
            assertThat(read(path).load().inFlight()).isEqualTo(-1);

            // The backend stops answering: still registered (health is separate), load unknown.
            answer.set("{\"qps\": 3, \"utilization\": 0.5}");
            await().atMost(WAIT).until(() -> read(path).load().utilization() == 0.5);
            loadServer.stop(0);
            await().atMost(WAIT).until(() -> read(path).load().utilization() == LoadReport.UNKNOWN);
            assertThat(agent.isRegistered()).isTrue();
        } finally {
            loadServer.stop(0);
        }
    }

    @Test
    void heartbeatsRefreshTheLoadReport() throws Exception {
        RecordingBackend.Instance backend = backends.start("web-1");
        Agent agent = start(config(backend).build());
        String path = agent.config().registrationPath();
        await().atMost(WAIT).until(() -> stat(path) != null);
        long first = read(path).load().reportedAtMillis();
        int firstVersion = stat(path).getVersion();

        await().atMost(WAIT).until(() -> read(path).load().reportedAtMillis() > first);
        assertThat(stat(path).getVersion()).isGreaterThan(firstVersion);
    }
}
