package io.ballast.controlplane.weights;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.LoadReport;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.ServicePolicy;
import io.ballast.proto.v1.SlowStart;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightBookTest {

    private static BackendRegistration reg(String id, LoadReport load, long startedAt) {
        return new BackendRegistration("web", id, "10.0.0.1", 8080, "", 100, Map.of(), "test", startedAt, load);
    }

    private static ClusterState state(long reportedAt, double utilA, double utilB) {
        return ClusterState.EMPTY
                .withRegistration("web", "a", reg("a", new LoadReport(-1, -1, reportedAt, 100, utilA), 0))
                .withRegistration("web", "b", reg("b", new LoadReport(-1, -1, reportedAt, 100, utilB), 0));
    }

    @Test
    void weightsMoveOneDampingStepPerIntervalHoweverOftenTheyAreRecomputed() {
        WeightBook book = new WeightBook(new WeightConfig(0, 180_000, 0.5), 1_000);
        book.compute(state(0, 0.5, 0.5), 0);
        assertThat(book.result("web", "a").orElseThrow().effective()).isEqualTo(100);

        // a now reports 10x the capacity of b: undamped a=182, b=18 (factors clamp at the mean ratio).
        for (long t = 100; t < 1_000; t += 100) {
            book.compute(state(t, 0.05, 0.5), t);
            // Nine recomputations inside one interval: still one step (50%) from the committed 100.
            assertThat(book.result("web", "b").orElseThrow().effective()).isEqualTo(50);
            assertThat(book.result("web", "a").orElseThrow().effective()).isEqualTo(150);
        }
        // At the interval's end the step taken is committed; the next interval may take one more.
        book.compute(state(1_000, 0.05, 0.5), 1_000);
        assertThat(book.result("web", "b").orElseThrow().effective()).isEqualTo(50);
        book.compute(state(1_500, 0.05, 0.5), 1_500);
        assertThat(book.result("web", "b").orElseThrow().effective()).isEqualTo(25);
        assertThat(book.timeDependent()).isTrue();
    }

    @Test
    void slowStartComesFromTheServicesPolicy() {
        ClusterState state = ClusterState.EMPTY
                .withRegistration("web", "a", reg("a", null, 10_000))
                .withPolicy("web", ServicePolicy.newBuilder().setAlgorithm(LbAlgorithm.WEIGHTED_ROUND_ROBIN)
                        .setSlowStart(SlowStart.newBuilder().setWindowMillis(10_000)).build());
        WeightBook book = new WeightBook(WeightConfig.DEFAULT, 1_000);
        book.compute(state, 15_000);
        assertThat(book.result("web", "a").orElseThrow().effective()).isEqualTo(50);
        assertThat(book.timeDependent()).isTrue();
        book.compute(state, 20_000);
        assertThat(book.result("web", "a").orElseThrow().effective()).isEqualTo(75); // ramp 100, damped from 50
        book.compute(state, 21_000);
        assertThat(book.result("web", "a").orElseThrow().effective()).isEqualTo(100);
        assertThat(book.timeDependent()).isFalse();
    }
    @Test
    void aChangeToOneServiceRecomputesThatServiceAndKeepsTheOthersResults() {
        ClusterState before = state(0, 0.5, 0.5)
                .withRegistration("api", "x", new BackendRegistration("api", "x", "10.0.0.2", 8080, "", 100, Map.of(), "test", 0, null));
        WeightBook book = new WeightBook(new WeightConfig(0, 180_000, 0.5), 1_000);
        book.compute(before, 0);
        book.compute(before, 1_000); // the first commit turns "new endpoint" damping into history
        var first = book.compute(before, 2_000);
        assertThat(book.compute(before, 3_000).get("api")).isSameAs(first.get("api"));

        ClusterState after = before.withRegistration("web", "a",
                reg("a", new LoadReport(-1, -1, 3_500, 100, 0.05), 0));
        var second = book.compute(after, 3_500);
        // "api" did not change: the same result instance, so the snapshot diff skips it in O(1).
        assertThat(second.get("api")).isSameAs(first.get("api"));
        // "web" did: a now reports more spare capacity than b and moves up (one damped step).
        assertThat(second.get("web")).isNotSameAs(first.get("web"));
        assertThat(second.get("web").get("a").effective()).isGreaterThan(second.get("web").get("b").effective());
    }
}
