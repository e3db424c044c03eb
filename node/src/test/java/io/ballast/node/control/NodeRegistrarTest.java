package io.ballast.node.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.ballast.common.json.Json;
import io.ballast.common.model.NodeRegistration;
import io.ballast.common.zk.ZkClients;
import io.ballast.common.zk.ZkPaths;
import io.ballast.node.snapshot.AppliedState;
import io.ballast.node.snapshot.TestSnapshots;
import io.ballast.testing.FreePorts;
import io.ballast.testing.ZooKeeperExtension;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class NodeRegistrarTest {

    @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final NodeIdentity IDENTITY = new NodeIdentity("node-r", "z1", "127.0.0.1:18080", "127.0.0.1:19901");

    @Test
    void registersEphemerallyUpdatesOnEveryChangeAndDeletesOnClose() throws Exception {
        CuratorFramework client = zk.newClient(Duration.ofSeconds(2));
        String path = ZkPaths.forCluster(ZooKeeperExtension.uniqueCluster("reg")).node("node-r");
        NodeRegistrar registrar = new NodeRegistrar(client, path, IDENTITY, AppliedState.NONE);
        // An update before the initial create must not be lost.
        registrar.update(new AppliedState(TestSnapshots.web(2, 3), 2, ""));
        registrar.start();
        try {
            await().atMost(WAIT).until(() -> read(client, path) != null && read(client, path).appliedVersion() == 3);
            assertThat(read(client, path)).isEqualTo(
                    new NodeRegistration("node-r", "127.0.0.1:18080", "127.0.0.1:19901", "z1", 2, 3, ""));
            Stat stat = client.checkExists().forPath(path);
            assertThat(stat.getEphemeralOwner()).isNotZero();

            registrar.update(new AppliedState(TestSnapshots.web(2, 4), 2, "epoch 1 is lower than the highest seen 2"));

            await().atMost(WAIT).until(() -> read(client, path).appliedVersion() == 4);
            assertThat(read(client, path).lastError()).isEqualTo("epoch 1 is lower than the highest seen 2");
        } finally {
            registrar.close();
        }
        assertThat(client.checkExists().forPath(path)).isNull();
    }

    @Test
    void neverBlocksWhenZooKeeperIsUnreachable() {
        CuratorFramework client = ZkClients.newClient("127.0.0.1:" + FreePorts.onLoopback(), Duration.ofSeconds(2));
        client.start();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                NodeRegistrar registrar = new NodeRegistrar(client, "/ballast/x/nodes/node-r", IDENTITY, AppliedState.NONE);
                registrar.start();
                registrar.update(new AppliedState(TestSnapshots.web(1, 1), 1, ""));
                registrar.close();
            });
        } finally {
            client.close();
        }
    }

    private static NodeRegistration read(CuratorFramework client, String path) throws Exception {
        if (client.checkExists().forPath(path) == null) {
            return null;
        }
        return Json.read(client.getData().forPath(path), NodeRegistration.class, path);
    }
}
