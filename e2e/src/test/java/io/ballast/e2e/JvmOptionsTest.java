package io.ballast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.launcher.process.ChildProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The JVM options {@code bin/ballast} gives every component, read back from a running one with
 * {@code jcmd VM.flags}: out of heap it exits (a supervisor restarts it) instead of keeping its
 * sockets open with dead threads, and the operator's BALLAST_JAVA_OPTS still apply. A node also
 * runs with the Netty settings it chooses for itself (read back with {@code jcmd VM.system_properties}).
 */
class JvmOptionsTest {

    @RegisterExtension
    final LocalCluster cluster = new LocalCluster();

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void everyComponentExitsOnOutOfMemoryAndKeepsTheOperatorsOptions() {
        cluster.startZooKeeper("127.0.6.1");
        ChildProcess zooKeeper = cluster.process("zookeeper");
        String flags = await("jcmd attaches").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> jcmd(zooKeeper.pid(), "VM.flags", "-XX:"), Optional::isPresent).orElseThrow();
        assertThat(flags).contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(flags).as("LocalCluster's BALLAST_JAVA_OPTS").contains("-XX:+UseSerialGC");
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aNodeTurnsOffNettysPinnedMemoryCountUnlessTheOperatorSetsIt() {
        cluster.startZooKeeper("127.0.6.2");
        cluster.startNode("node-1", "127.0.6.3");
        ChildProcess node = cluster.process("node-1");
        String flags = await("jcmd attaches").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> jcmd(node.pid(), "VM.flags", "-XX:"), Optional::isPresent).orElseThrow();
        assertThat(flags).contains("-XX:+ExitOnOutOfMemoryError");
        // Set by the node's command before its first buffer pool chunk; present once the node runs.
        String properties = await("the node's properties").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> jcmd(node.pid(), "VM.system_properties", "java.version"),
                        out -> out.isPresent() && out.get().contains("io.netty.trackPinnedMemory")).orElseThrow();
        assertThat(properties).contains("io.netty.trackPinnedMemory=false");
    }

    /**
     * What {@code jcmd <pid> <command>} prints (VM.flags: the non-default flags, as the command line
     * set them), or empty while jcmd cannot attach or its output lacks {@code marker}.
     */
    private static Optional<String> jcmd(long pid, String command, String marker) {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Path jcmd = java.resolveSibling("jcmd");
        try {
            Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return process.exitValue() == 0 && out.contains(marker) ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + jcmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
