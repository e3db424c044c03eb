package io.ballast.node.snapshot;

import java.util.Optional;

/**
 * The fencing rule of the control stream, as a pure value: a node refuses any snapshot from
 * an epoch lower than the highest it has seen, and within an epoch applies only a higher
 * version. A higher epoch is accepted with any version (a new leader restarts its versions).
 *
 * <p>Immutable; any thread may use it. {@link #NONE} is the state of a node that has never
 * applied anything.
 *
 * @param highestEpochSeen highest epoch of any valid snapshot this node has accepted past the fence
 * @param appliedEpoch epoch of the applied snapshot, 0 when none
 * @param appliedVersion version of the applied snapshot, 0 when none
 */
public record EpochFence(long highestEpochSeen, long appliedEpoch, long appliedVersion) {

    public static final EpochFence NONE = new EpochFence(0, 0, 0);

    /** Why {@code (epoch, version)} must be refused, or empty when it may be applied. */
    public Optional<String> refusal(long epoch, long version) {
        if (epoch < highestEpochSeen) {
            return Optional.of("epoch " + epoch + " is lower than the highest seen " + highestEpochSeen);
        }
        if (epoch == appliedEpoch && version <= appliedVersion) {
            return Optional.of("version " + version + " is not newer than applied " + appliedVersion + " in epoch " + epoch);
        }
        return Optional.empty();
    }

    /** The fence after {@code (epoch, version)} passed {@link #refusal} and was applied. */
    public EpochFence applied(long epoch, long version) {
        return new EpochFence(Math.max(highestEpochSeen, epoch), epoch, version);
    }

    /**
     * The fence after {@code epoch} passed {@link #refusal} but could not be applied: the epoch
     * still proves a leader of that epoch exists, so nothing older may be applied afterwards.
     */
    public EpochFence seen(long epoch) {
        return new EpochFence(Math.max(highestEpochSeen, epoch), appliedEpoch, appliedVersion);
    }
}
