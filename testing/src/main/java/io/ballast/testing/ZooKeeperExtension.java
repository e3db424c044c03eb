package io.ballast.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import io.ballast.common.zk.ZkClients;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real ZooKeeper server (Curator's {@link TestingServer}) for a test class, on a free port.
 * Register once per class:
 *
 * <pre>{@code @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();}</pre>
 *
 * <p>The server's tickTime is 100 ms so that sessions of 1–2 s are allowed and expiry tests
 * run fast. Clients made with {@link #newClient} are closed after each test, even on failure.
 */
public final class ZooKeeperExtension implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {

    private static final int TICK_TIME_MILLIS = 100;

    private TestingServer server;
    private final List<CuratorFramework> clients = new ArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, TICK_TIME_MILLIS, -1, null, "127.0.0.1");
        server = new TestingServer(spec, true);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        synchronized (clients) {
            clients.forEach(CuratorFramework::close);
            clients.clear();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (server != null) {
            server.close();
        }
    }

    public String connectString() {
        return server.getConnectString();
    }

    public TestingServer server() {
        return server;
    }

    /** A started client with the given session timeout; closed after the current test. */
    public CuratorFramework newClient(Duration sessionTimeout) {
        CuratorFramework client = ZkClients.newClient(connectString(), sessionTimeout);
        client.start();
        synchronized (clients) {
            clients.add(client);
        }
        return client;
    }

    /** A unique cluster name, so that tests sharing the server do not see each other's tree. */
    public static String uniqueCluster(String prefix) {
        return (prefix + "-" + Long.toHexString(System.nanoTime())).toLowerCase();
    }
}
