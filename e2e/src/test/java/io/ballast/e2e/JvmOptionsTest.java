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
 * sockets open with dead threads, and the operator's BALLAST_JAVA_OPTS still apply.
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
                .until(() -> vmFlags(zooKeeper.pid()), Optional::isPresent).orElseThrow();
        assertThat(flags).contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(flags).as("LocalCluster's BALLAST_JAVA_OPTS").contains("-XX:+UseSerialGC");
    }

    /** The flags the JVM runs with (non-default ones, as the command line set them), or empty while jcmd cannot attach. */
    private static Optional<String> vmFlags(long pid) {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Path jcmd = java.resolveSibling("jcmd");
        try {
            Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.flags").redirectErrorStream(true).start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return process.exitValue() == 0 && out.contains("-XX:") ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + jcmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
