package io.ballast.bench.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void nearestRankPercentiles() {
        List<Double> values = new ArrayList<>();
        for (int i = 100; i >= 1; i--) {
            values.add((double) i);
        }

        Stats stats = Stats.of(values);

        assertThat(stats).isEqualTo(new Stats(100, 50, 99, 100, 50.5));
    }

    @Test
    void withFewerThanAHundredValuesP99IsTheMaximum() {
        Stats stats = Stats.of(List.of(3.0, 1.0, 2.0));

        assertThat(stats.p50()).isEqualTo(2.0);
        assertThat(stats.p99()).isEqualTo(3.0);
    }

    @Test
    void emptyIsNotANumber() {
        assertThat(Stats.of(List.of()).n()).isZero();
        assertThat(Stats.of(List.of()).p50()).isNaN();
    }
}
