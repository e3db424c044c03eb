package io.ballast.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HealthThresholdsTest {

    @Test
    void startsUnhealthyAndNeedsRiseConsecutivePasses() {
        HealthThresholds thresholds = new HealthThresholds(3, 2);
        assertThat(thresholds.state()).isEqualTo(HealthState.UNHEALTHY);

        assertThat(thresholds.observe(true)).isFalse();
        assertThat(thresholds.observe(true)).isFalse();
        assertThat(thresholds.state()).isEqualTo(HealthState.UNHEALTHY);
        assertThat(thresholds.observe(true)).isTrue();
        assertThat(thresholds.state()).isEqualTo(HealthState.HEALTHY);
    }

    @Test
    void aFailureResetsTheRiseCount() {
        HealthThresholds thresholds = new HealthThresholds(2, 2);
        thresholds.observe(true);
        thresholds.observe(false);
        assertThat(thresholds.observe(true)).isFalse();
        assertThat(thresholds.state()).isEqualTo(HealthState.UNHEALTHY);
        assertThat(thresholds.observe(true)).isTrue();
        assertThat(thresholds.state()).isEqualTo(HealthState.HEALTHY);
    }

    @Test
    void healthyNeedsFallConsecutiveFailuresAndAPassResetsTheCount() {
        HealthThresholds thresholds = healthy(1, 3);

        assertThat(thresholds.observe(false)).isFalse();
        assertThat(thresholds.observe(false)).isFalse();
        assertThat(thresholds.observe(true)).isFalse();
        assertThat(thresholds.observe(false)).isFalse();
        assertThat(thresholds.observe(false)).isFalse();
        assertThat(thresholds.state()).isEqualTo(HealthState.HEALTHY);
        assertThat(thresholds.observe(false)).isTrue();
        assertThat(thresholds.state()).isEqualTo(HealthState.UNHEALTHY);
    }

    @Test
    void resultsThatAgreeWithTheStateChangeNothing() {
        HealthThresholds thresholds = new HealthThresholds(1, 1);
        for (int i = 0; i < 5; i++) {
            assertThat(thresholds.observe(false)).isFalse();
        }
        assertThat(thresholds.observe(true)).isTrue();
        for (int i = 0; i < 5; i++) {
            assertThat(thresholds.observe(true)).isFalse();
        }
        assertThat(thresholds.state()).isEqualTo(HealthState.HEALTHY);
        assertThat(thresholds.observe(false)).isTrue();
        assertThat(thresholds.state()).isEqualTo(HealthState.UNHEALTHY);
    }

    @Test
    void recoversAfterRiseOnceUnhealthyAgain() {
        HealthThresholds thresholds = healthy(2, 1);
        assertThat(thresholds.observe(false)).isTrue();
        assertThat(thresholds.observe(true)).isFalse();
        assertThat(thresholds.observe(true)).isTrue();
        assertThat(thresholds.state()).isEqualTo(HealthState.HEALTHY);
    }

    @Test
    void rejectsThresholdsOutOfRange() {
        assertThatThrownBy(() -> new HealthThresholds(0, 2)).hasMessage("rise: 0 (expected: 1..100)");
        assertThatThrownBy(() -> new HealthThresholds(2, 101)).hasMessage("fall: 101 (expected: 1..100)");
    }

    private static HealthThresholds healthy(int rise, int fall) {
        HealthThresholds thresholds = new HealthThresholds(rise, fall);
        for (int i = 0; i < rise; i++) {
            thresholds.observe(true);
        }
        assertThat(thresholds.state()).isEqualTo(HealthState.HEALTHY);
        return thresholds;
    }
}
