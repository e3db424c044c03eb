package io.ballast.controlplane.snapshot;

import io.ballast.controlplane.state.ClusterState;
import io.ballast.proto.v1.Snapshot;
import io.ballast.controlplane.weights.WeightResult;
import java.util.Map;
import java.util.Optional;

/**
 * The snapshots of one leader epoch: numbers them 1, 2, ... and bumps the version only when the
 * content changes, so heartbeats that change nothing routing-relevant cost no push.
 *
 * <p>Not thread-safe: owned by the control-plane state thread; a new instance per epoch.
 */
public final class SnapshotSequence {

    private final long epoch;
    private final String defaultService;
    private Snapshot current;

    public SnapshotSequence(long epoch, String defaultService) {
        this.epoch = epoch;
        this.defaultService = defaultService;
    }

    public long epoch() {
        return epoch;
    }

    /** The latest published snapshot, empty before the first. */
    public Optional<Snapshot> current() {
        return Optional.ofNullable(current);
    }

    /**
     * Computes the snapshot of {@code state}; returns it as the next version when its content
     * differs from the current one (or there is none yet), else empty.
     */
    public Optional<Snapshot> next(ClusterState state, long nowMillis) {
        return next(state, Map.of(), nowMillis);
    }

    /** Like {@link #next(ClusterState, long)} with the weight book's computed weights (by service then id). */
    public Optional<Snapshot> next(ClusterState state, Map<String, ? extends Map<String, WeightResult>> weights, long nowMillis) {
        return next(state, weights, io.ballast.controlplane.health.HealthOverlay.EMPTY, nowMillis);
    }

    /** With failure handling's overlay (SUSPECT, outlier-ejected and flap-held endpoints). */
    public Optional<Snapshot> next(ClusterState state, Map<String, ? extends Map<String, WeightResult>> weights,
                                   io.ballast.controlplane.health.HealthOverlay health, long nowMillis) {
        long nextVersion = current == null ? 1 : current.getVersion() + 1;
        Snapshot candidate = SnapshotComputer.compute(state, weights, health, epoch, nextVersion, nowMillis, defaultService);
        if (current != null && SnapshotComputer.sameContent(current, candidate)) {
            return Optional.empty();
        }
        current = candidate;
        return Optional.of(candidate);
    }
}
