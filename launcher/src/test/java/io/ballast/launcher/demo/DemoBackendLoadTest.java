package io.ballast.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.common.config.HostPort;
import io.ballast.testing.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code GET /ballast/load} of the demo backend, and its sliding-window request rate. */
class DemoBackendLoadTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SECOND = 1_000_000_000L;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private HttpResponse<String> get(DemoBackend backend, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + backend.address().getPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode load(DemoBackend backend) throws Exception {
        HttpResponse<String> response = get(backend, "/ballast/load");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        return JSON.readTree(response.body());
    }

    @Test
    void reportsTheRequestRateAndTheUtilizationItsCostImplies() throws Exception {
        double costMillis = 10;
        HostPort listen = new HostPort("127.0.0.1", FreePorts.onLoopback());
        try (DemoBackend backend = DemoBackend.start(new DemoBackendConfig("web-1", listen, costMillis))) {
            JsonNode idle = load(backend);
            assertThat(idle.get("qps").doubleValue()).isZero();
            assertThat(idle.get("utilization").doubleValue()).isZero();

            int requests = 20;
            for (int i = 0; i < requests; i++) {
                assertThat(get(backend, "/req/" + i).statusCode()).isEqualTo(200);
            }
            // Neither health checks nor load reads count as requests.
            get(backend, "/healthz");
            load(backend);

            JsonNode report = load(backend);
            double qps = report.get("qps").doubleValue();
            // 20 requests, over a window that covers at least 1 s.
            assertThat(qps).isPositive().isLessThanOrEqualTo(requests);
            assertThat(report.get("utilization").doubleValue()).isCloseTo(qps * costMillis / 1000, within(1e-9));
            assertThat(report.get("inFlight").isIntegralNumber()).isTrue();
            assertThat(report.get("inFlight").longValue()).isBetween(0L, 1L);
            assertThat(report.fieldNames()).toIterable().containsExactly("qps", "utilization", "inFlight");

            // The demo answers themselves are unchanged.
            assertThat(get(backend, "/x").body().lines().findFirst()).contains("web-1");
        }
    }

    @Test
    void withoutCostTheUtilizationIsZeroButTheRateIsReported() throws Exception {
        HostPort listen = new HostPort("127.0.0.1", FreePorts.onLoopback());
        try (DemoBackend backend = DemoBackend.start(new DemoBackendConfig("web-1", listen))) {
            get(backend, "/");
            JsonNode report = load(backend);
            assertThat(report.get("qps").doubleValue()).isPositive();
            assertThat(report.get("utilization").doubleValue()).isZero();
        }
    }

    @Test
    void theUtilizationIsCappedAtOne() throws Exception {
        HostPort listen = new HostPort("127.0.0.1", FreePorts.onLoopback());
        try (DemoBackend backend = DemoBackend.start(new DemoBackendConfig("web-1", listen, 1_000_000))) {
            get(backend, "/");
            assertThat(load(backend).get("utilization").doubleValue()).isEqualTo(1.0);
        }
    }

    @Test
    void theRateSlidesOverTheLastFiveSeconds() {
        AtomicLong now = new AtomicLong(123 * SECOND);
        DemoBackend.RequestRate rate = new DemoBackend.RequestRate(now::get);
        assertThat(rate.perSecond()).isZero();

        now.addAndGet(SECOND / 2);
        record(rate, 10);
        // Half a second after the start: the window covers at least one second.
        assertThat(rate.perSecond()).isEqualTo(10.0);

        now.addAndGet(2 * SECOND);
        record(rate, 20);
        now.addAndGet(SECOND / 2);
        // t = 3.0 s: 30 requests over 3 s.
        assertThat(rate.perSecond()).isCloseTo(10.0, within(1e-9));

        now.addAndGet(2 * SECOND + SECOND / 2);
        // t = 5.5 s: the window is seconds 1..5 (4.5 s), second 0 and its 10 requests are gone.
        assertThat(rate.perSecond()).isCloseTo(20 / 4.5, within(1e-9));

        now.addAndGet(2 * SECOND);
        // t = 7.5 s: seconds 3..7, nothing left.
        assertThat(rate.perSecond()).isZero();

        // A bucket is reused for a later second: its old count does not leak into it.
        record(rate, 5);
        assertThat(rate.perSecond()).isCloseTo(5 / 4.5, within(1e-9));
    }

    @Test
    void theRateCountsEveryRequestFromManyThreads() throws Exception {
        AtomicLong now = new AtomicLong(0);
        DemoBackend.RequestRate rate = new DemoBackend.RequestRate(now::get);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> record(rate, 10_000));
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(rate.perSecond()).isEqualTo(80_000.0);
    }

    @Test
    void theCostIsAnOptionAndAConfigValue() {
        DemoBackendCommand command = new DemoBackendCommand();
        new CommandLine(command).parseArgs("--name", "web-2", "--cost-millis", "2.5");
        assertThat(command.toConfig()).isEqualTo(new DemoBackendConfig("web-2", new HostPort("127.0.0.1", 8001), 2.5));

        DemoBackendCommand byDefault = new DemoBackendCommand();
        new CommandLine(byDefault).parseArgs("--name", "web-2");
        assertThat(byDefault.toConfig().costMillis()).isZero();

        DemoBackendCommand negative = new DemoBackendCommand();
        new CommandLine(negative).parseArgs("--name", "web-2", "--cost-millis", "-1");
        assertThatThrownBy(negative::toConfig).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cost-millis: -1.0 (expected: a number >= 0)");
        assertThatThrownBy(() -> new DemoBackendConfig("a", new HostPort("127.0.0.1", 1), Double.NaN))
                .hasMessage("cost-millis: NaN (expected: a number >= 0)");

        String usage = new CommandLine(new DemoBackendCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertThat(usage).contains("--cost-millis=MILLIS").contains("/ballast/load");
    }

    private static void record(DemoBackend.RequestRate rate, int requests) {
        for (int i = 0; i < requests; i++) {
            rate.record();
        }
    }
}
