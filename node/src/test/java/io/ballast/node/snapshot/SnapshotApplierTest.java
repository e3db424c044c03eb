package io.ballast.node.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.Snapshot;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotApplierTest {

    @TempDir Path dir;

    private final List<Snapshot> proxied = new CopyOnWriteArrayList<>();
    private final List<AppliedState> published = new CopyOnWriteArrayList<>();

    private SnapshotApplier applier(Consumer<Snapshot> proxy) {
        SnapshotApplier applier = new SnapshotApplier(proxy, new SnapshotStore(dir));
        applier.addListener(published::add);
        return applier;
    }

    @Test
    void appliesPersistsAndPublishesAValidSnapshot() {
        SnapshotApplier applier = applier(proxied::add);
        Snapshot snapshot = TestSnapshots.web(2, 1);

        assertThat(applier.offer(snapshot)).isEqualTo(new SnapshotApplier.Outcome(true, ""));

        assertThat(proxied).containsExactly(snapshot);
        assertThat(new SnapshotStore(dir).load()).contains(snapshot);
        assertThat(applier.state()).isEqualTo(new AppliedState(snapshot, 2, ""));
        assertThat(published).containsExactly(applier.state());
    }

    @Test
    void invalidSnapshotIsRefusedWithTheDetailAndChangesNothingButLastError() {
        SnapshotApplier applier = applier(proxied::add);
        Snapshot good = TestSnapshots.web(2, 1);
        applier.offer(good);
        Snapshot bad = TestSnapshots.web(2, 2, TestSnapshots.endpoint("web-1", "127.0.0.1", 0, 1));

        SnapshotApplier.Outcome outcome = applier.offer(bad);

        assertThat(outcome.accepted()).isFalse();
        assertThat(outcome.errorDetail()).isEqualTo("services[0].endpoints[0].port: 0 (expected: 1..65535)");
        assertThat(proxied).containsExactly(good);
        assertThat(new SnapshotStore(dir).load()).contains(good);
        assertThat(applier.state()).isEqualTo(new AppliedState(good, 2, outcome.errorDetail()));
    }

    @Test
    void lowerEpochIsRefusedAfterAHigherOne() {
        SnapshotApplier applier = applier(proxied::add);
        applier.offer(TestSnapshots.web(5, 1));

        SnapshotApplier.Outcome outcome = applier.offer(TestSnapshots.web(4, 9));

        assertThat(outcome).isEqualTo(new SnapshotApplier.Outcome(false, "epoch 4 is lower than the highest seen 5"));
        assertThat(applier.state().epoch()).isEqualTo(5);
        assertThat(proxied).hasSize(1);
    }

    @Test
    void olderVersionIsRefusedButTheIdenticalSnapshotIsAcknowledgedWithoutReapplying() {
        SnapshotApplier applier = applier(proxied::add);
        Snapshot current = TestSnapshots.web(5, 3);
        applier.offer(current);

        assertThat(applier.offer(TestSnapshots.web(5, 2)).errorDetail())
                .isEqualTo("version 2 is not newer than applied 3 in epoch 5");
        assertThat(applier.offer(current).accepted()).isTrue();
        Snapshot sameVersionOtherContent = current.toBuilder().setDefaultService("").build();
        assertThat(applier.offer(sameVersionOtherContent).errorDetail())
                .isEqualTo("version 3 is not newer than applied 3 in epoch 5");
        assertThat(proxied).containsExactly(current);
    }

    @Test
    void proxyFailureIsARefusalButStillRaisesTheFence() {
        SnapshotApplier applier = applier(snapshot -> {
            if (snapshot.getEpoch() == 6) {
                throw new IllegalStateException("boom");
            }
            proxied.add(snapshot);
        });
        applier.offer(TestSnapshots.web(5, 1));

        SnapshotApplier.Outcome outcome = applier.offer(TestSnapshots.web(6, 1));

        assertThat(outcome.accepted()).isFalse();
        assertThat(outcome.errorDetail()).contains("boom");
        assertThat(applier.state().epoch()).isEqualTo(5);
        assertThat(applier.state().highestEpochSeen()).isEqualTo(6);
        assertThat(applier.offer(TestSnapshots.web(5, 2)).errorDetail()).isEqualTo("epoch 5 is lower than the highest seen 6");
    }

    @Test
    void restoreInstallsTheStoredSnapshotAndFencesOlderOnes() {
        Snapshot stored = TestSnapshots.web(7, 4);
        new SnapshotStore(dir).save(stored);
        SnapshotApplier applier = applier(proxied::add);

        assertThat(applier.restore()).isTrue();

        assertThat(proxied).containsExactly(stored);
        assertThat(applier.state()).isEqualTo(new AppliedState(stored, 7, ""));
        assertThat(applier.offer(TestSnapshots.web(6, 9)).accepted()).isFalse();
        assertThat(applier.offer(TestSnapshots.web(7, 4)).accepted()).isTrue();
        assertThat(proxied).containsExactly(stored);
    }

    @Test
    void restoreWithoutAStoredSnapshotDoesNothing() {
        SnapshotApplier applier = applier(proxied::add);
        assertThat(applier.restore()).isFalse();
        assertThat(applier.state()).isEqualTo(AppliedState.NONE);
        assertThat(proxied).isEmpty();
    }

    @Test
    void aNewEpochIsOnDiskBeforeTheAckAndSupersedesAQueuedWrite() {
        try (SnapshotApplier applier = applier(proxied::add)) {
            applier.offer(TestSnapshots.web(2, 1));
            applier.offer(TestSnapshots.web(2, 2)); // same epoch: queued behind the ACK
            Snapshot next = TestSnapshots.web(3, 1);

            applier.offer(next);

            // No flush: a new epoch is written before offer returns, and the older queued write cannot land after it.
            assertThat(new SnapshotStore(dir).load()).contains(next);
            applier.flush();
            assertThat(new SnapshotStore(dir).load()).contains(next);
        }
    }

    @Test
    void closeWritesTheSnapshotStillQueued() {
        Snapshot newest = TestSnapshots.web(2, 3);
        try (SnapshotApplier applier = applier(proxied::add)) {
            applier.offer(TestSnapshots.web(2, 1));
            applier.offer(TestSnapshots.web(2, 2));
            applier.offer(newest);
        }

        assertThat(new SnapshotStore(dir).load()).contains(newest);
    }
}
