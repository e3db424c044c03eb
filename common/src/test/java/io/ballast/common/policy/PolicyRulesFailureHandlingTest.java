package io.ballast.common.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.RetryOn;
import io.ballast.proto.v1.RetryPolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules for outlier detection, panic threshold and retries, as both the admin API and nodes apply them. */
class PolicyRulesFailureHandlingTest {

    private static List<String> problems(Policy policy) {
        List<String> problems = new ArrayList<>();
        PolicyRules.check(problems, "settings", policy, 3, PolicyRules.Origin.ADMIN);
        return problems;
    }

    @Test
    void defaultsAndFullSettingsAreValid() {
        assertThat(problems(Policy.getDefaultInstance())).isEmpty();
        assertThat(problems(Policy.newBuilder()
                .setOutlierDetection(OutlierDetection.newBuilder().setConsecutive5Xx(1000).setConsecutiveGatewayFailure(1)
                        .setBaseEjectionTimeMillis(1000).setMaxEjectionTimeMillis(3_600_000).setMaxEjectionPercent(0)
                        .setQuorumPercent(100))
                .setPanicThresholdPercent(0)
                .setRetry(RetryPolicy.newBuilder().setNumRetries(5).addMethods("GET").addMethods("POST")
                        .addRetryOn(RetryOn.RESET).addRetryOn(RetryOn.GATEWAY_ERROR).setPerTryTimeoutMillis(200)
                        .setBudgetPercent(100).setMinRetriesPerSecond(10_000))
                .build())).isEmpty();
    }

    @Test
    void outlierDetectionOutOfRangeIsNamedByPath() {
        assertThat(problems(Policy.newBuilder().setOutlierDetection(OutlierDetection.newBuilder()
                .setConsecutive5Xx(1001).setConsecutiveGatewayFailure(-1).setBaseEjectionTimeMillis(3_600_001)
                .setMaxEjectionPercent(101).setQuorumPercent(101)).build())).containsExactly(
                "settings.outlier_detection.consecutive_5xx: 1001 (expected: 0 (default 5) or 1..1000)",
                "settings.outlier_detection.consecutive_gateway_failure: 4294967295 (expected: 0 (default 5) or 1..1000)",
                "settings.outlier_detection.base_ejection_time_millis: 3600001 (expected: 0 (default 30000) or 1..3600000)",
                "settings.outlier_detection.max_ejection_percent: 101 (expected: 0..100)",
                "settings.outlier_detection.quorum_percent: 101 (expected: 0 (default 51) or 1..100)");
    }

    @Test
    void maxEjectionTimeMustNotBeBelowTheBase() {
        assertThat(problems(Policy.newBuilder().setOutlierDetection(OutlierDetection.newBuilder()
                .setBaseEjectionTimeMillis(10_000).setMaxEjectionTimeMillis(5_000)).build())).containsExactly(
                "settings.outlier_detection.max_ejection_time_millis: 5000"
                        + " (expected: 0 (default max(300000, base)) or base_ejection_time_millis (10000)..3600000)");
    }

    @Test
    void panicThresholdAbove100IsRefused() {
        assertThat(problems(Policy.newBuilder().setPanicThresholdPercent(101).build()))
                .containsExactly("settings.panic_threshold_percent: 101 (expected: 0 (off) or 1..100)");
    }

    @Test
    void retryProblemsAreNamedByPathAndIndex() {
        assertThat(problems(Policy.newBuilder().setRetry(RetryPolicy.newBuilder().setNumRetries(6)
                .addMethods("get").addMethods("GET").addMethods("GET").addMethods("BAD METHOD")
                .addRetryOn(RetryOn.RETRY_ON_UNSPECIFIED).addRetryOnValue(42).addRetryOn(RetryOn.TIMEOUT).addRetryOn(RetryOn.TIMEOUT)
                .setPerTryTimeoutMillis(3_600_001).setBudgetPercent(101).setMinRetriesPerSecond(10_001)).build()))
                .containsExactly(
                        "settings.retry.num_retries: 6 (expected: 0 (off) or 1..5)",
                        "settings.retry.methods[0]: \"get\" (expected: an upper-case HTTP method token, e.g. GET)",
                        "settings.retry.methods[2]: \"GET\" (expected: each method at most once)",
                        "settings.retry.methods[3]: \"BAD METHOD\" (expected: an upper-case HTTP method token, e.g. GET)",
                        "settings.retry.retry_on[0]: RETRY_ON_UNSPECIFIED (expected: RESET, TIMEOUT, STATUS_5XX or GATEWAY_ERROR)",
                        "settings.retry.retry_on[1]: 42 (expected: RESET, TIMEOUT, STATUS_5XX or GATEWAY_ERROR)",
                        "settings.retry.retry_on[3]: TIMEOUT (expected: each condition at most once)",
                        "settings.retry.per_try_timeout_millis: 3600001 (expected: 0 (the response timeout) or 1..3600000)",
                        "settings.retry.budget_percent: 101 (expected: 0..100)",
                        "settings.retry.min_retries_per_second: 10001 (expected: 0..10000)");
    }

    @Test
    void settingsResolveTheDefaultsOfTheContract() {
        OutlierSettings defaults = OutlierSettings.of(Policy.getDefaultInstance());
        assertThat(defaults).isEqualTo(new OutlierSettings(false, 5, 5, 30_000, 300_000, 10, 51));
        assertThat(defaults.ejectionTimeMillis(0)).isEqualTo(30_000);
        assertThat(defaults.ejectionTimeMillis(2)).isEqualTo(120_000);
        assertThat(defaults.ejectionTimeMillis(10)).isEqualTo(300_000);
        assertThat(defaults.maxEjected(1)).isZero();
        assertThat(defaults.maxEjected(2)).isEqualTo(1);
        assertThat(defaults.maxEjected(30)).isEqualTo(3);
        assertThat(OutlierSettings.of(OutlierDetection.newBuilder().setBaseEjectionTimeMillis(600_000).build())
                .maxEjectionTimeMillis()).isEqualTo(600_000);
        assertThat(OutlierSettings.panicThresholdPercent(Policy.getDefaultInstance())).isEqualTo(50);
        assertThat(OutlierSettings.panicThresholdPercent(Policy.newBuilder().setPanicThresholdPercent(0).build())).isZero();
    }
}
