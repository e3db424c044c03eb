package io.ballast.agent.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.model.LoadReport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LoadSamplerTest {

    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_234_567), ZoneOffset.UTC);

    @Test
    void withoutASourceTheBackendsOwnLoadIsUnknown() {
        LoadReport report = new LoadSampler(clock).sample();

        assertThat(report.reportedAtMillis()).isEqualTo(1_234_567);
        assertThat(report.cpuUtilization()).isBetween(-1.0, 1.0);
        assertThat(report.qps()).isEqualTo(LoadReport.UNKNOWN);
        assertThat(report.utilization()).isEqualTo(LoadReport.UNKNOWN);
        assertThat(report.inFlight()).isEqualTo(-1);
    }

    @Test
    void theBackendsAnswerGoesIntoTheReportAlongsideTheCpuSample() throws Exception {
        try (LoadServer server = new LoadServer()) {
            server.answer("{\"qps\": 42.5, \"utilization\": 0.75, \"inFlight\": 9}");
            LoadSampler sampler = new LoadSampler(clock, new BackendLoadSource(server.url(), Duration.ofSeconds(1)));

            LoadReport report = sampler.sample();
            assertThat(report.qps()).isEqualTo(42.5);
            assertThat(report.utilization()).isEqualTo(0.75);
            assertThat(report.inFlight()).isEqualTo(9);
            assertThat(report.cpuUtilization()).isBetween(-1.0, 1.0);
            assertThat(report.reportedAtMillis()).isEqualTo(1_234_567);

            server.answer("{\"qps\": 42.5, \"utilization\": 2}");
            LoadReport refused = sampler.sample();
            assertThat(refused.qps()).isEqualTo(LoadReport.UNKNOWN);
            assertThat(refused.utilization()).isEqualTo(LoadReport.UNKNOWN);
            assertThat(refused.inFlight()).isEqualTo(-1);
            assertThat(server.requests()).isEqualTo(2);
        }
    }
}
