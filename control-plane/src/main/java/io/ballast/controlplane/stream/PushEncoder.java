package io.ballast.controlplane.stream;

import io.ballast.controlplane.snapshot.SnapshotDiff;
import io.ballast.proto.v1.ServerMessage;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotDelta;
import io.ballast.proto.v1.SnapshotPush;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses what one push to one node carries: the delta from the snapshot the node last ACKed to
 * the target ({@link SnapshotDiff}), or the full target when the node does not accept deltas, no
 * ACKed snapshot of the target's epoch is known, or the delta would not be smaller.
 *
 * <p>Deltas are memoised for the current target by base version: most nodes ACKed the same
 * version, so one publish computes one or two diffs, not one per node. The memo is dropped when
 * the target changes.
 *
 * <p>Threading: not thread-safe; one instance per control loop, used on its state thread only.
 * No failure mode: a delta that cannot be computed means a full snapshot.
 */
public final class PushEncoder {

    /** What a push carried, with its size on the wire (the whole {@code ServerMessage}). */
    public enum Kind { FULL, DELTA }

    /** Told about every push sent (e.g. metrics); runs on the state thread and must not block. */
    @FunctionalInterface
    public interface Listener {
        void sent(Kind kind, int bytes);
    }

    /** An encoder with no listener; for tests and tools. */
    public static PushEncoder unobserved() {
        return new PushEncoder((kind, bytes) -> {});
    }

    private final Listener listener;
    private Snapshot memoTarget;
    private final Map<Long, Optional<SnapshotDelta>> memo = new HashMap<>();

    public PushEncoder(Listener listener) {
        this.listener = listener;
    }

    /**
     * @param acked the snapshot the node last ACKed on this stream, null when unknown
     * @param acceptsDeltas what the node's Hello said
     */
    ServerMessage encode(String nonce, Snapshot acked, Snapshot target, boolean acceptsDeltas) {
        SnapshotPush.Builder push = SnapshotPush.newBuilder().setNonce(nonce);
        Optional<SnapshotDelta> delta = acceptsDeltas && acked != null && acked.getEpoch() == target.getEpoch()
                ? delta(acked, target) : Optional.empty();
        delta.ifPresentOrElse(push::setDelta, () -> push.setSnapshot(target));
        return ServerMessage.newBuilder().setSnapshot(push).build();
    }

    /** Records a push that was sent. */
    void sent(ServerMessage message) {
        listener.sent(message.getSnapshot().hasDelta() ? Kind.DELTA : Kind.FULL, message.getSerializedSize());
    }

    private Optional<SnapshotDelta> delta(Snapshot acked, Snapshot target) {
        if (memoTarget != target) {
            memoTarget = target;
            memo.clear();
        }
        // Within one epoch a version names one snapshot; the epochs are equal here.
        return memo.computeIfAbsent(acked.getVersion(), version -> SnapshotDiff.between(acked, target));
    }
}
