package io.ballast.node.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Snapshot;
import org.junit.jupiter.api.Test;

class StaleWeightsTest {

    private static final long AGE = 1_000_000_000L;

    @Test
    void nothingMovesUntilTheMaxAgeThenLinearlyInTenthsToOne() {
        assertThat(StaleWeights.fraction(0, AGE)).isZero();
        assertThat(StaleWeights.fraction(AGE, AGE)).isZero();
        assertThat(StaleWeights.fraction(AGE + AGE / 4, AGE)).isEqualTo(0.2);
        assertThat(StaleWeights.fraction(2 * AGE, AGE)).isEqualTo(1.0);
        assertThat(StaleWeights.fraction(50 * AGE, AGE)).isEqualTo(1.0);
    }

    @Test
    void activeWeightsMoveTowardDeclaredWhileZeroDrainingAndUndeclaredStay() {
        Snapshot snapshot = TestSnapshots.web(1, 1,
                TestSnapshots.endpoint("a", "h", 1, 90).toBuilder().setDeclaredWeight(50).build(),
                TestSnapshots.endpoint("b", "h", 2, 10).toBuilder().setDeclaredWeight(50).build(),
                TestSnapshots.endpoint("c", "h", 3, 0).toBuilder().setDeclaredWeight(50).build(),
                TestSnapshots.endpoint("d", "h", 4, 40).toBuilder().setDeclaredWeight(50).setState(EndpointState.DRAINING).build(),
                TestSnapshots.endpoint("e", "h", 5, 30));

        Snapshot half = StaleWeights.decay(snapshot, 0.5);
        assertThat(half.getServices(0).getEndpointsList()).extracting(io.ballast.proto.v1.Endpoint::getWeight).containsExactly(70, 30, 0, 40, 30);
        Snapshot full = StaleWeights.decay(snapshot, 1.0);
        assertThat(full.getServices(0).getEndpointsList()).extracting(io.ballast.proto.v1.Endpoint::getWeight).containsExactly(50, 50, 0, 40, 30);
        assertThat(StaleWeights.decay(snapshot, 0)).isSameAs(snapshot);
        assertThat(full.getEpoch()).isEqualTo(snapshot.getEpoch());
        assertThat(full.getVersion()).isEqualTo(snapshot.getVersion());
    }
}
