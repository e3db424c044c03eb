package io.ballast.controlplane.snapshot;

import static io.ballast.controlplane.snapshot.SnapshotComputerTest.reg;
import static io.ballast.controlplane.snapshot.SnapshotComputerTest.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.model.EndpointOverride;
import io.ballast.common.model.LoadReport;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.proto.v1.Snapshot;
import org.junit.jupiter.api.Test;

class SnapshotSequenceTest {

    @Test
    void firstSnapshotOfAnEpochIsVersionOneEvenWhenEmpty() {
        SnapshotSequence sequence = new SnapshotSequence(5, "web");

        Snapshot first = sequence.next(ClusterState.EMPTY, 100).orElseThrow();

        assertThat(first.getEpoch()).isEqualTo(5);
        assertThat(first.getVersion()).isEqualTo(1);
        assertThat(sequence.current()).contains(first);
    }

    @Test
    void bumpsTheVersionOnlyWhenTheContentChanges() {
        SnapshotSequence sequence = new SnapshotSequence(2, "web");
        ClusterState state = state(reg("web", "a", 1));
        Snapshot first = sequence.next(state, 1).orElseThrow();

        assertThat(sequence.next(state, 2)).isEmpty();
        assertThat(sequence.next(state.withRegistration("web", "a", reg("web", "a", 1).withLoad(new LoadReport(0.5, 1, 3))), 3))
                .isEmpty();
        Snapshot second = sequence.next(state.withOverride("web", "a", new EndpointOverride(9, false)), 4).orElseThrow();

        assertThat(second.getVersion()).isEqualTo(2);
        assertThat(second.getComputedAtUnixMillis()).isEqualTo(4);
        assertThat(sequence.current()).contains(second);
        assertThat(first.getVersion()).isEqualTo(1);
    }

    @Test
    void aNewEpochRestartsAtVersionOneWithTheSameContent() {
        ClusterState state = state(reg("web", "a", 1));
        SnapshotSequence old = new SnapshotSequence(1, "web");
        old.next(state, 1);
        old.next(state.withOverride("web", "a", new EndpointOverride(4, false)), 2);

        Snapshot fresh = new SnapshotSequence(2, "web").next(state.withOverride("web", "a", new EndpointOverride(4, false)), 3)
                .orElseThrow();

        assertThat(fresh.getVersion()).isEqualTo(1);
        assertThat(SnapshotComputer.sameContent(fresh, old.current().orElseThrow())).isTrue();
    }
}
