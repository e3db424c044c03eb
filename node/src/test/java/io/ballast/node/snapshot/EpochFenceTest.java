package io.ballast.node.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EpochFenceTest {

    private final EpochFence fence = EpochFence.NONE.applied(5, 7);

    @Test
    void aNodeWithNothingAppliedAcceptsAnything() {
        assertThat(EpochFence.NONE.refusal(1, 1)).isEmpty();
    }

    @Test
    void lowerEpochIsRefusedWhateverTheVersion() {
        assertThat(fence.refusal(3, 100)).contains("epoch 3 is lower than the highest seen 5");
    }

    @Test
    void sameEpochNeedsAHigherVersion() {
        assertThat(fence.refusal(5, 7)).contains("version 7 is not newer than applied 7 in epoch 5");
        assertThat(fence.refusal(5, 6)).contains("version 6 is not newer than applied 7 in epoch 5");
        assertThat(fence.refusal(5, 8)).isEmpty();
    }

    @Test
    void higherEpochIsAcceptedWithAnyVersion() {
        assertThat(fence.refusal(6, 1)).isEmpty();
    }

    @Test
    void applyingAHigherEpochRaisesTheFence() {
        EpochFence after = fence.applied(6, 1);
        assertThat(after).isEqualTo(new EpochFence(6, 6, 1));
        assertThat(after.refusal(5, 100)).contains("epoch 5 is lower than the highest seen 6");
    }

    @Test
    void anEpochSeenButNotAppliedStillFencesOlderEpochs() {
        EpochFence after = fence.seen(6);
        assertThat(after.refusal(5, 100)).contains("epoch 5 is lower than the highest seen 6");
        assertThat(after.refusal(6, 1)).isEmpty();
    }
}
