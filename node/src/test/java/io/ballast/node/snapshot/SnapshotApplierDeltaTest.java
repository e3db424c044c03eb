package io.ballast.node.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.ServiceDelta;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotDelta;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A delta is patched onto the applied snapshot and then validated, fenced, applied and stored as a full snapshot. */
class SnapshotApplierDeltaTest {

    @TempDir Path dir;

    private final List<Snapshot> proxied = new CopyOnWriteArrayList<>();
    private SnapshotApplier applier;

    @org.junit.jupiter.api.BeforeEach
    void applier() {
        applier = new SnapshotApplier(proxied::add, new SnapshotStore(dir));
    }

    @org.junit.jupiter.api.AfterEach
    void closeApplier() {
        applier.close();
    }

    /** Version {@code version} of {@link TestSnapshots#web(long, long)}, with web-2 at {@code weight}. */
    private static SnapshotDelta weight(long base, long version, int weight) {
        return SnapshotDelta.newBuilder().setEpoch(2).setBaseVersion(base).setVersion(version)
                .setComputedAtUnixMillis(1_700_000_000_000L)
                .addServices(ServiceDelta.newBuilder().setName("web")
                        .addUpsertedEndpoints(TestSnapshots.endpoint("web-2", "127.0.0.1", 8082, weight)))
                .build();
    }

    @Test
    void aDeltaOntoTheAppliedVersionIsAppliedAndStoredWhole() {
        applier.offer(TestSnapshots.web(2, 40));

        SnapshotApplier.Outcome outcome = applier.offer(weight(40, 41, 7));

        Snapshot expected = TestSnapshots.web(2, 41, TestSnapshots.endpoint("web-1", "127.0.0.1", 8081, 100),
                TestSnapshots.endpoint("web-2", "127.0.0.1", 8082, 7));
        assertThat(outcome.accepted()).isTrue();
        assertThat(applier.state().snapshot()).isEqualTo(expected);
        assertThat(proxied).last().isEqualTo(expected);
        applier.flush(); // same epoch: written behind the ACK
        assertThat(new SnapshotStore(dir).load()).contains(expected);
    }

    @Test
    void aDeltaOntoAnotherVersionIsRefusedAndChangesNothing() {
        Snapshot applied = TestSnapshots.web(2, 40);
        applier.offer(applied);

        SnapshotApplier.Outcome outcome = applier.offer(weight(41, 42, 7));

        assertThat(outcome).isEqualTo(new SnapshotApplier.Outcome(false, "base_version: 41 (expected: the applied version 40)"));
        assertThat(applier.state()).isEqualTo(new AppliedState(applied, 2, outcome.errorDetail()));
        assertThat(proxied).containsExactly(applied);
        assertThat(new SnapshotStore(dir).load()).contains(applied);
    }

    @Test
    void aDeltaBeforeAnyFullSnapshotIsRefused() {
        SnapshotApplier.Outcome outcome = applier.offer(weight(1, 2, 7));

        assertThat(outcome.errorDetail()).isEqualTo("base_version: 1 (expected: a full snapshot first: none is applied)");
        assertThat(applier.state().hasSnapshot()).isFalse();
    }

    @Test
    void aDeltaYieldingAnInvalidSnapshotIsRefusedByTheValidator() {
        applier.offer(TestSnapshots.web(2, 40));
        Endpoint badPort = TestSnapshots.endpoint("web-2", "127.0.0.1", 0, 1);
        SnapshotDelta delta = SnapshotDelta.newBuilder().setEpoch(2).setBaseVersion(40).setVersion(41)
                .addServices(ServiceDelta.newBuilder().setName("web").addUpsertedEndpoints(badPort)).build();

        SnapshotApplier.Outcome outcome = applier.offer(delta);

        assertThat(outcome.errorDetail()).isEqualTo("services[0].endpoints[1].port: 0 (expected: 1..65535)");
        assertThat(applier.state().version()).isEqualTo(40);
    }

    @Test
    void aDeltaThatRemovesAndReplacesServicesKeepsNameOrder() {
        applier.offer(TestSnapshots.web(2, 40));
        Snapshot api = TestSnapshots.web(2, 41);
        SnapshotDelta delta = SnapshotDelta.newBuilder().setEpoch(2).setBaseVersion(40).setVersion(41)
                .addServices(ServiceDelta.newBuilder().setName("api")
                        .setReplacement(api.getServices(0).toBuilder().setName("api")))
                .addServices(ServiceDelta.newBuilder().setName("web").addRemovedEndpointIds("web-1"))
                .build();

        assertThat(applier.offer(delta).accepted()).isTrue();

        assertThat(applier.state().snapshot().getServicesList()).extracting(s -> s.getName()).containsExactly("api", "web");
        assertThat(applier.state().snapshot().getServices(1).getEndpointsList()).extracting(Endpoint::getId)
                .containsExactly("web-2");
    }
}
