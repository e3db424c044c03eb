package io.ballast.controlplane.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.DrainStatus;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DrainBarrierTest {

    @Test
    void aLiveNodeWithoutAStreamHoldsTheBarrier() {
        DrainStatus status = DrainBarrier.evaluate("10.0.0.1:80", 7, new TreeSet<>(List.of("n1")), List.of(), 5);

        assertThat(status.getState()).isEqualTo("IN_PROGRESS");
        assertThat(status.getLaggingList()).containsExactly("n1: no control stream to the leader");
        assertThat(status.getVersion()).isEqualTo(7);
    }

    @Test
    void namesTheFirstLaggingNodesAndCountsTheRest() {
        TreeSet<String> live = new TreeSet<>();
        IntStream.range(0, DrainBarrier.MAX_LAGGING + 4).forEach(i -> live.add(String.format("n%02d", i)));

        DrainStatus status = DrainBarrier.evaluate("10.0.0.1:80", 7, live, List.of(), 5);

        assertThat(status.getLaggingCount()).isEqualTo(DrainBarrier.MAX_LAGGING + 1);
        assertThat(status.getLagging(0)).isEqualTo("n00: no control stream to the leader");
        assertThat(status.getLagging(DrainBarrier.MAX_LAGGING)).isEqualTo("... and 4 more nodes");
    }

    @Test
    void noNodesMeansComplete() {
        assertThat(DrainBarrier.evaluate("10.0.0.1:80", 7, new TreeSet<>(), List.of(), 5).getState()).isEqualTo("COMPLETE");
    }
}
