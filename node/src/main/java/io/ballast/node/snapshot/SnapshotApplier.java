package io.ballast.node.snapshot;

import io.ballast.common.logging.LogContext;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotDelta;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a node installs a snapshot, and installs it: validate, fence, apply to the
 * proxy, persist, report. The gRPC stream only turns the {@link Outcome} into an ACK or a
 * NACK, so this class is tested without gRPC.
 *
 * <p>Threading: one lock. {@link #restore} and {@link #offer} are {@code synchronized}, so
 * state changes happen one at a time (in the node: the start-up thread once, then only the
 * control-client thread). {@link #state()} is a volatile read of an immutable value and never
 * blocks, so the admin endpoint and the registration never wait for an apply in progress.
 *
 * <p>Persisting: a snapshot of a new epoch is on disk before {@link #offer} returns, one of the
 * same epoch is written just after ({@link SnapshotWriter}); {@link #flush} waits for it and
 * {@link #close} writes what is queued.
 *
 * <p>Failure behaviour: a refused snapshot changes nothing but {@code lastError} (the node keeps
 * serving its old snapshot). A proxy that throws while applying counts as a refusal. A failure
 * to persist is logged and does not undo the apply: the node serves the new snapshot, and
 * after a restart it would start from the previous stored one and be brought up to date by the
 * control plane.
 */
public final class SnapshotApplier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SnapshotApplier.class);

    private final Consumer<Snapshot> proxy;
    private final SnapshotStore store;
    private final SnapshotWriter writer;
    private final List<Consumer<AppliedState>> listeners = new CopyOnWriteArrayList<>();

    // Guarded by "this"; the fence also counts epochs seen but not applied (see EpochFence#seen).
    private EpochFence fence = EpochFence.NONE;
    private volatile AppliedState state = AppliedState.NONE;

    /**
     * @param proxy installs a validated, fenced snapshot into the data path (e.g. {@code ProxyServer::apply})
     * @param store where applied snapshots are persisted and restored from
     */
    public SnapshotApplier(Consumer<Snapshot> proxy, SnapshotStore store) {
        this.proxy = Objects.requireNonNull(proxy, "proxy");
        this.store = Objects.requireNonNull(store, "store");
        this.writer = new SnapshotWriter(store);
    }

    /** The ACK/NACK decision for one offered snapshot. */
    public record Outcome(boolean accepted, String errorDetail) {
        static final Outcome ACCEPTED = new Outcome(true, "");

        static Outcome refused(String detail) {
            return new Outcome(false, detail);
        }
    }

    /**
     * Called after every change with the new state, on the thread that made the change and
     * while it holds the lock, so listeners see changes in order. Listeners must not block.
     */
    public void addListener(Consumer<AppliedState> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public AppliedState state() {
        return state;
    }

    /**
     * Installs the stored snapshot, if any, as if it had just been applied (without writing it
     * back). Called once at start, before the control stream opens.
     *
     * @return true when a stored snapshot was installed
     */
    public synchronized boolean restore() {
        Optional<Snapshot> stored = store.load();
        if (stored.isEmpty()) {
            return false;
        }
        Snapshot snapshot = stored.get();
        try {
            proxy.accept(snapshot);
        } catch (RuntimeException e) {
            log.warn("proxy refused the stored snapshot epoch {} version {}; starting without one",
                    snapshot.getEpoch(), snapshot.getVersion(), e);
            return false;
        }
        fence = fence.applied(snapshot.getEpoch(), snapshot.getVersion());
        publish(new AppliedState(snapshot, fence.highestEpochSeen(), state.lastError()));
        log.info("serving stored snapshot epoch {} version {}", snapshot.getEpoch(), snapshot.getVersion());
        return true;
    }

    /** Validates, fences, applies and persists {@code snapshot}; the outcome says whether to ACK or NACK. */
    public synchronized Outcome offer(Snapshot snapshot) {
        List<String> problems = SnapshotValidator.problems(snapshot);
        if (!problems.isEmpty()) {
            return refuse(snapshot, String.join("; ", problems));
        }
        // A leader re-sends its current snapshot to a resubscribing node; that is not an error.
        if (snapshot.equals(state.snapshot())) {
            return Outcome.ACCEPTED;
        }
        Optional<String> refusal = fence.refusal(snapshot.getEpoch(), snapshot.getVersion());
        if (refusal.isPresent()) {
            return refuse(snapshot, refusal.get());
        }
        try {
            proxy.accept(snapshot);
        } catch (RuntimeException e) {
            fence = fence.seen(snapshot.getEpoch());
            return refuse(snapshot, "proxy could not apply the snapshot: " + e);
        }
        fence = fence.applied(snapshot.getEpoch(), snapshot.getVersion());
        Snapshot previous = state.snapshot();
        // A new epoch is on disk before the ACK (the fence must survive a crash); the same epoch's next version after it.
        writer.persist(snapshot, previous == null || previous.getEpoch() != snapshot.getEpoch());
        publish(new AppliedState(snapshot, fence.highestEpochSeen(), state.lastError()));
        log.info("applied snapshot epoch {} version {} ({} services, {} routes)", snapshot.getEpoch(),
                snapshot.getVersion(), snapshot.getServicesCount(), snapshot.getRoutesCount());
        return Outcome.ACCEPTED;
    }

    /**
     * Patches {@code delta} onto the applied snapshot ({@link SnapshotPatch}) and offers the result
     * exactly like a pushed full snapshot; a delta that does not fit the applied snapshot (other
     * epoch or base version, unknown names) is refused and changes nothing. Under the same lock
     * as {@link #offer(Snapshot)}, so the base cannot change between patching and applying.
     */
    public synchronized Outcome offer(SnapshotDelta delta) {
        SnapshotPatch.Result patched = SnapshotPatch.apply(state.snapshot(), delta);
        if (!patched.ok()) {
            log.warn("refused delta epoch {} version {} (base {}): {}", delta.getEpoch(), delta.getVersion(),
                    delta.getBaseVersion(), patched.error());
            publish(new AppliedState(state.snapshot(), fence.highestEpochSeen(), patched.error()));
            return Outcome.refused(patched.error());
        }
        return offer(patched.snapshot());
    }

    /**
     * Routes by {@code transform} of the applied snapshot without changing what is applied,
     * stored or reported (the stale-weight decay); under the same lock as {@link #offer}, so a
     * newer snapshot is never overwritten by a transform of an older one. No-op before the
     * first snapshot. A transform that fails to apply is logged and the proxy keeps its table.
     */
    public synchronized void reroute(java.util.function.UnaryOperator<Snapshot> transform) {
        Snapshot applied = state.snapshot();
        if (applied == null) {
            return;
        }
        try {
            proxy.accept(transform.apply(applied));
        } catch (RuntimeException e) {
            log.warn("could not reroute snapshot epoch {} version {}: {}", applied.getEpoch(), applied.getVersion(), e.toString());
        }
    }

    /** Waits until every applied snapshot so far is on disk (or failed to be written, which is logged). */
    public void flush() {
        writer.flush();
    }

    /** Writes what is queued and stops the writer thread; the applier must not be offered snapshots after. */
    @Override
    public void close() {
        writer.close();
    }

    private Outcome refuse(Snapshot snapshot, String detail) {
        log.warn("refused snapshot epoch {} version {}: {}", snapshot.getEpoch(), snapshot.getVersion(), detail);
        AppliedState current = state;
        publish(new AppliedState(current.snapshot(), fence.highestEpochSeen(), detail));
        return Outcome.refused(detail);
    }

    private void publish(AppliedState next) {
        state = next;
        if (next.hasSnapshot()) {
            // On every later log line of the node (see LogContext), not only this thread's.
            LogContext.put(LogContext.SNAPSHOT_VERSION, Long.toString(next.version()));
        }
        for (Consumer<AppliedState> listener : listeners) {
            try {
                listener.accept(next);
            } catch (RuntimeException e) {
                log.warn("applied-state listener failed", e);
            }
        }
    }
}
