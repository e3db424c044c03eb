package io.ballast.node.snapshot;

import io.ballast.proto.v1.Snapshot;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes applied snapshots to the {@link SnapshotStore} for the {@link SnapshotApplier}, keeping
 * the fsync off the ACK path where that loses nothing that matters.
 *
 * <p>A snapshot of a new epoch is written before {@link #persist} returns (so before the ACK):
 * its epoch is the fence's persisted "highest epoch seen", which must survive a crash right
 * after the node said it saw it, or a restarted node could accept a deposed leader's push. A
 * snapshot of the same epoch as the one before is written behind, after the ACK, newest wins:
 * a crash before it is written leaves the previous snapshot of the same leader on disk, which a
 * restarted node serves until that leader brings it up to date, exactly as after a failed write.
 * This saves the ACK one fsync (≈ 11 ms of the 3-node convergence figure on this machine's disk).
 *
 * <p>Threading: every write runs on one daemon thread ("snapshot-writer"), so writes never overlap
 * and land in the order they were asked for; a synchronous write drops a queued older one. Called
 * under the applier's lock. Failures are logged and never thrown: the node serves the snapshot
 * whether or not it reached the disk. {@link #close} writes what is queued, then stops the thread.
 */
final class SnapshotWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SnapshotWriter.class);
    private static final long CLOSE_TIMEOUT_SECONDS = 10;

    private final SnapshotStore store;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "snapshot-writer");
        t.setDaemon(true);
        return t;
    });
    /** The newest snapshot waiting to be written behind, or null. */
    private final AtomicReference<Snapshot> queued = new AtomicReference<>();

    SnapshotWriter(SnapshotStore store) {
        this.store = store;
    }

    /** Writes {@code snapshot} now ({@code sync}) or behind; see the class comment. */
    void persist(Snapshot snapshot, boolean sync) {
        if (!sync) {
            if (queued.getAndSet(snapshot) == null) {
                submit(this::writeQueued);
            }
            return;
        }
        queued.set(null); // superseded
        Future<?> write = submit(() -> write(snapshot));
        if (write == null) {
            return;
        }
        try {
            write.get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.error("could not persist snapshot epoch {} version {} in time", snapshot.getEpoch(), snapshot.getVersion(), e);
        }
    }

    /** Waits until everything asked for so far is written (or failed). */
    void flush() {
        Future<?> barrier = submit(() -> { });
        if (barrier == null) {
            return;
        }
        try {
            barrier.get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("snapshot writes did not finish in time", e);
        }
    }

    @Override
    public void close() {
        flush();
        thread.shutdown();
    }

    private Future<?> submit(Runnable task) {
        try {
            return thread.submit(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closed: the node is stopping and what it serves is already on disk up to the last flush.
            return null;
        }
    }

    private void writeQueued() {
        Snapshot snapshot = queued.getAndSet(null);
        if (snapshot != null) {
            write(snapshot);
        }
    }

    private void write(Snapshot snapshot) {
        try {
            store.save(snapshot);
        } catch (UncheckedIOException e) {
            log.error("applied snapshot epoch {} version {} but could not persist it; a restart would start from the"
                    + " previous stored snapshot", snapshot.getEpoch(), snapshot.getVersion(), e);
        }
    }
}
