package io.ballast.controlplane.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The failure-handling gauges: per service while in force, gone when it ends. */
class ControlPlaneMetricsHealthTest {

    @Test
    void gaugesFollowTheFailureHandlingInForce() {
        ControlPlaneMetrics metrics = new ControlPlaneMetrics();
        metrics.health(Map.of("web", 1), Map.of("web", 2, "api", 1), 3);

        assertThat(metrics.scrape()).contains("ballast_cp_self_preservation{service=\"web\"} 1.0",
                "ballast_cp_outlier_ejected{service=\"web\"} 2.0", "ballast_cp_outlier_ejected{service=\"api\"} 1.0",
                "ballast_cp_flap_held 3.0");

        metrics.health(Map.of(), Map.of("api", 1), 0);

        assertThat(metrics.scrape()).doesNotContain("ballast_cp_self_preservation{service=\"web\"}",
                "ballast_cp_outlier_ejected{service=\"web\"}").contains("ballast_cp_flap_held 0.0");
    }
}
