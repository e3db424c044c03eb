package io.ballast.agent.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.common.json.Json;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.LoadReport;
import io.ballast.common.zk.ZkPaths;
import io.ballast.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RegistrationTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    private final ExecutorService callbacks = Executors.newSingleThreadExecutor();
    private CuratorFramework client;
    private Registration registration;
    private String path;

    @BeforeEach
    void setUp() {
        client = zk.newClient(Duration.ofSeconds(2));
        path = ZkPaths.forCluster(ZooKeeperExtension.uniqueCluster("reg")).backend("web", "web-1");
        registration = new Registration(client, path, callbacks);
    }

    @AfterEach
    void tearDown() throws Exception {
        registration.deregister().get(5, TimeUnit.SECONDS);
        registration.close();
        callbacks.shutdownNow();
    }

    private static BackendRegistration payload(int weight, long reportedAt) {
        return new BackendRegistration("web", "web-1", "127.0.0.1", 8001, "", weight, Map.of(), "test", 1,
                new LoadReport(0.5, -1, reportedAt));
    }

    @Test
    void anInvalidPayloadIsRefusedWithEveryProblemAndNothingIsWritten() throws Exception {
        BackendRegistration invalid = new BackendRegistration("Web", "web-1", "127.0.0.1", 0, "", -3, Map.of(),
                "test", 1, null);

        assertThatThrownBy(() -> registration.register(invalid))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("service: \"Web\" (expected: [a-z0-9][a-z0-9._-]{0,62}); port: 0 (expected: 1..65535); "
                        + "weight: -3 (expected: 0..10000)");
        assertThat(registration.isRegistered()).isFalse();
        assertThat(client.checkExists().forPath(path)).isNull();
    }

    @Test
    void registerUpdateAndDeregister() throws Exception {
        assertThat(registration.update(payload(1, 1))).isFalse();

        registration.register(payload(1, 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.checkExists().forPath(path) != null);
        // Registering twice keeps the one node.
        registration.register(payload(99, 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> registration.update(payload(2, 2)));
        await().atMost(Duration.ofSeconds(10)).until(() -> read().load().reportedAtMillis() == 2);
        assertThat(read().weight()).isEqualTo(2);

        registration.deregister().get(5, TimeUnit.SECONDS);
        assertThat(client.checkExists().forPath(path)).isNull();
        assertThat(registration.isRegistered()).isFalse();
        assertThat(registration.update(payload(3, 3))).isFalse();
    }

    private BackendRegistration read() throws Exception {
        return Json.read(client.getData().forPath(path), BackendRegistration.class, path);
    }
}
