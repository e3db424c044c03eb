package io.ballast.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.config.HostPort;
import io.ballast.testing.RecordingBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Probes against real sockets: a recording HTTP backend, a closed port, a server that never answers. */
class HealthCheckerTest {

    @RegisterExtension
    static final RecordingBackend backends = new RecordingBackend();

    @Test
    void httpPassesOnTheDefaultStatusesAndUsesThePath() {
        RecordingBackend.Instance backend = backends.start("b1");
        HttpProbe probe = new HttpProbe(address(backend), config(HealthCheckKind.HTTP, 200, 399));

        assertThat(probe.probe().passed()).isTrue();
        backend.respondWith("/healthz", 302);
        assertThat(probe.probe().passed()).isTrue();
        backend.respondWith("/healthz", 503);
        ProbeResult failed = probe.probe();
        assertThat(failed.passed()).isFalse();
        assertThat(failed.detail()).contains("HTTP 503", "/healthz");
        // Only /healthz fails: the probe must have asked for that path.
        backend.respondWith("/healthz", 200);
        backend.respondWith(503);
        assertThat(probe.probe().passed()).isTrue();
    }

    @Test
    void httpHonoursACustomStatusRange() {
        RecordingBackend.Instance backend = backends.start("b1");
        HttpProbe probe = new HttpProbe(address(backend), config(HealthCheckKind.HTTP, 200, 200));
        backend.respondWith(204);
        assertThat(probe.probe().passed()).isFalse();
        backend.respondWith(200);
        assertThat(probe.probe().passed()).isTrue();
    }

    @Test
    void httpFailsWhenNothingListens() {
        RecordingBackend.Instance backend = backends.start("b1");
        HostPort address = address(backend);
        backend.stop();
        ProbeResult result = new HttpProbe(address, config(HealthCheckKind.HTTP, 200, 399)).probe();
        assertThat(result.passed()).isFalse();
        assertThat(result.detail()).contains("ConnectException");
    }

    @Test
    void httpFailsWithinTheTimeoutWhenTheBackendNeverAnswers() throws IOException {
        // Accepts connections (kernel backlog) but never reads or answers.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            HttpProbe probe = new HttpProbe(new HostPort("127.0.0.1", silent.getLocalPort()),
                    config(HealthCheckKind.HTTP, 200, 399));
            long start = System.nanoTime();
            ProbeResult result = probe.probe();
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(result.passed()).isFalse();
            assertThat(result.detail()).startsWith("timeout");
            assertThat(elapsedMillis).isLessThan(5_000);
        }
    }

    @Test
    void tcpPassesWhileSomethingListensAndFailsAfterwards() {
        RecordingBackend.Instance backend = backends.start("b1");
        HostPort address = address(backend);
        TcpProbe probe = new TcpProbe(address, Duration.ofMillis(300));
        assertThat(probe.probe().passed()).isTrue();
        backend.stop();
        assertThat(probe.probe().passed()).isFalse();
    }

    @Test
    void checkerAppliesTheThresholdsToProbeResults() {
        RecordingBackend.Instance backend = backends.start("b1");
        HealthChecker checker = HealthChecker.create(address(backend), config(HealthCheckKind.HTTP, 200, 399));

        assertThat(checker.check()).extracting(HealthChecker.Check::state, HealthChecker.Check::changed)
                .containsExactly(HealthState.UNHEALTHY, false);
        assertThat(checker.check()).extracting(HealthChecker.Check::state, HealthChecker.Check::changed)
                .containsExactly(HealthState.HEALTHY, true);
        backend.respondWith(500);
        assertThat(checker.check().state()).isEqualTo(HealthState.HEALTHY);
        HealthChecker.Check down = checker.check();
        assertThat(down.state()).isEqualTo(HealthState.UNHEALTHY);
        assertThat(down.changed()).isTrue();
        assertThat(down.probe().detail()).contains("HTTP 500");
    }

    private static HostPort address(RecordingBackend.Instance backend) {
        return new HostPort(backend.host(), backend.port());
    }

    private static HealthCheckConfig config(HealthCheckKind kind, int min, int max) {
        return new HealthCheckConfig(kind, "/healthz", min, max, Duration.ofMillis(100), Duration.ofMillis(300), 2, 2);
    }
}
