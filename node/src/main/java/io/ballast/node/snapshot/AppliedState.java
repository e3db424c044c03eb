package io.ballast.node.snapshot;

import io.ballast.proto.v1.Snapshot;

/**
 * What a node has applied, as an immutable value published by {@link SnapshotApplier} after
 * every change; readers (admin endpoint, registration) take it without locking.
 *
 * @param snapshot the applied snapshot, null before the first one
 * @param highestEpochSeen the fence's highest epoch, 0 when none
 * @param lastError detail of the last refused snapshot, empty when none was ever refused
 */
public record AppliedState(Snapshot snapshot, long highestEpochSeen, String lastError) {

    public static final AppliedState NONE = new AppliedState(null, 0, "");

    public AppliedState {
        lastError = lastError == null ? "" : lastError;
    }

    public boolean hasSnapshot() {
        return snapshot != null;
    }

    /** Epoch of the applied snapshot, 0 when none. */
    public long epoch() {
        return snapshot == null ? 0 : snapshot.getEpoch();
    }

    /** Version of the applied snapshot, 0 when none. */
    public long version() {
        return snapshot == null ? 0 : snapshot.getVersion();
    }
}
