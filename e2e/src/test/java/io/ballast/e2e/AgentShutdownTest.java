package io.ballast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.zk.ZkPaths;
import io.ballast.launcher.process.ChildProcess;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An agent stopped with SIGTERM deregisters before it exits: its registration vanishes at
 * once, not when its (here deliberately long) ZooKeeper session would expire.
 */
class AgentShutdownTest {

    private static final Duration LONG_SESSION = Duration.ofSeconds(30);

    @RegisterExtension
    final LocalCluster cluster = new LocalCluster();

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void sigtermRemovesTheRegistrationWellBeforeTheSessionTimeout() {
        cluster.startZooKeeper("127.0.5.1", 2_000); // allows sessions up to 40 s
        cluster.startBackend("web-1", "127.0.5.2", LONG_SESSION);
        String service = ZkPaths.forCluster("default").service("web");
        await("agent registers web-1").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> cluster.zkChildren(service).contains("web-1"));

        ChildProcess agent = cluster.process("agent-web-1");
        long start = System.nanoTime();
        agent.terminate(Duration.ofSeconds(20));
        await("registration removed").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> !cluster.zkChildren(service).contains("web-1"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(agent.isAlive()).isFalse();
        assertThat(millis).as("gone long before the %s session timeout", LONG_SESSION).isLessThan(LONG_SESSION.toMillis() / 3);
    }
}
