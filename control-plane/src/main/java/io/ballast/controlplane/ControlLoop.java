package io.ballast.controlplane;

import io.ballast.common.logging.LogContext;
import io.ballast.common.model.LeaderInfo;
import io.ballast.controlplane.election.EpochCounter;
import io.ballast.controlplane.metrics.ControlPlaneMetrics;
import io.ballast.controlplane.election.LeaderRecord;
import io.ballast.controlplane.election.LeaderWatch;
import io.ballast.controlplane.election.Leadership;
import io.ballast.controlplane.snapshot.Debouncer;
import io.ballast.controlplane.snapshot.SnapshotSequence;
import io.ballast.controlplane.state.ClusterStateTracker;
import io.ballast.controlplane.stream.PushEncoder;
import io.ballast.controlplane.stream.Subscriber;
import io.ballast.controlplane.stream.StreamView;
import io.ballast.controlplane.stream.SubscriptionGate;
import io.ballast.controlplane.admin.ReplicaView;
import io.ballast.controlplane.events.ClusterEvents;
import io.ballast.controlplane.events.EventLog;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.proto.v1.Event;
import io.ballast.proto.v1.DrainStatus;
import io.ballast.controlplane.drain.DrainBarrier;
import io.ballast.controlplane.drain.DrainStatusStore;
import io.ballast.controlplane.weights.WeightBook;
import io.ballast.controlplane.health.HealthBook;
import io.ballast.controlplane.health.HealthOverlay;
import io.ballast.controlplane.snapshot.SnapshotComputer;
import io.ballast.proto.v1.ServiceHealth;
import io.ballast.controlplane.weights.WeightResult;
import io.ballast.proto.v1.ControlPlaneGrpc;
import io.ballast.proto.v1.Redirect;
import io.ballast.proto.v1.Snapshot;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heart of a replica: follows the election, raises the epoch, and while leading computes
 * snapshots and offers them to subscribers.
 *
 * <p>Threading: all state below lives on ONE thread, {@code ballast-cp-state}. Curator
 * callbacks (caches, latch, connection state) and gRPC callbacks only enqueue onto it. Blocking
 * ZooKeeper writes (epoch, leader record) run on a second thread, {@code ballast-cp-zk}, and
 * post their results back, each tagged with the leadership term they belong to so that a
 * result arriving after leadership was lost is ignored.
 *
 * <p>Failure behaviour: losing the latch or the ZooKeeper connection (SUSPENDED/LOST) stops
 * all pushes at once and ends every stream with UNAVAILABLE "not leader". A failed epoch raise
 * is retried while the latch is still held.
 *
 * <p>Failure handling ({@link HealthBook}) runs here too: every replica folds its caches' changes
 * (self-preservation, flap damping) and a {@value #HEALTH_TICK_MILLIS} ms tick; the leader also folds
 * the nodes' reports (outlier quorum, SUSPECT confirmation). A change of its overlay is a change
 * of the snapshot like any other.
 */
final class ControlLoop implements SubscriptionGate, ReplicaView, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlLoop.class);
    private static final Duration RETRY_DELAY = Duration.ofMillis(500);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final String SHUTTING_DOWN = "shutting down";
    static final long HEALTH_TICK_MILLIS = 250;

    private enum Role { FOLLOWER, CANDIDATE, LEADER }

    private final String id;
    private final String advertise;
    private final String defaultService;
    private final ScheduledExecutorService stateThread;
    private final ScheduledExecutorService zkThread;
    private final Executor loop;
    private final CoalescedTask stateChange;
    private final CoalescedTask drainEvaluation;
    private final ClusterStateTracker tracker;
    private final Leadership leadership;
    private final LeaderWatch leaderWatch;
    private final LeaderRecord leaderRecord;
    private final DrainStatusStore drainStore;
    // State thread, leader only: per drained endpoint ("service/id"), the first snapshot version of
    // this epoch without new traffic to it, and the barrier status last written to ZooKeeper.
    private final Map<String, Long> drainVersions = new TreeMap<>();
    private final Map<String, DrainStatus> drainWritten = new TreeMap<>();
    // Statuses computed on the state thread and not yet written by the ZooKeeper thread, by drain.
    private final Map<String, DrainStatus> pendingDrainWrites = new java.util.concurrent.ConcurrentHashMap<>();
    private Snapshot lastPublished;
    private final EpochCounter epochCounter;
    private final Debouncer debouncer;
    private final HealthStatusManager health;
    private final Clock clock;
    private final EventLog events;
    private ClusterState lastSeen; // state thread: the state the last events were computed against
    // State thread: the caches' state that failure handling folded last. Snapshots, weights and
    // ticks are computed from it, never from tracker.current(): the tracker moves on with every
    // cache event, while the fold (lingering removals, self-preservation) runs later, once per
    // batch. A publish that ran between a cache event and its fold would pair the newer state
    // with the older overlay and publish a vanished registration as removed.
    private ClusterState folded;
    private final WeightBook weights;
    private final HealthBook failures;
    private final ControlPlaneMetrics metrics = new ControlPlaneMetrics(); // updated on the state thread
    // State thread: shared by all subscribers, so nodes at the same version share one delta computation.
    private final PushEncoder pushes = new PushEncoder(
            (kind, bytes) -> metrics.pushed(kind == PushEncoder.Kind.DELTA, bytes));

    // Confined to the state thread (term is also read by the zk thread, hence volatile).
    private Role role = Role.FOLLOWER;
    private volatile long term;
    private SnapshotSequence sequence;
    private boolean weightTickScheduled;
    private volatile Map<String, ? extends Map<String, WeightResult>> publishedWeights = Map.of();
    private final Set<Subscriber> subscribers = new LinkedHashSet<>();

    ControlLoop(CuratorFramework client, ControlPlaneConfig config, String id, String advertise, HealthStatusManager health) {
        this.id = id;
        this.advertise = advertise;
        this.defaultService = config.defaultService();
        this.health = health;
        this.clock = Clock.systemUTC();
        this.stateThread = Executors.newSingleThreadScheduledExecutor(daemon("ballast-cp-state"));
        this.zkThread = Executors.newSingleThreadScheduledExecutor(daemon("ballast-cp-zk"));
        this.loop = task -> {
            try {
                stateThread.execute(task);
            } catch (RejectedExecutionException closed) {
                // Closing: late Curator and gRPC callbacks have nothing left to do.
            }
        };
        var paths = config.paths();
        this.stateChange = new CoalescedTask(loop, this::onStateChanged);
        this.drainEvaluation = new CoalescedTask(loop, this::evaluateDrains);
        this.tracker = new ClusterStateTracker(client, paths, loop, this::stateChanged);
        this.leadership = new Leadership(client, paths.election(), id, loop, new Leadership.Listener() {
            @Override
            public void elected() {
                onElected();
            }

            @Override
            public void deposed() {
                stepDown("leadership lost");
            }
        });
        this.leaderWatch = new LeaderWatch(client, paths.leader(), loop);
        this.leaderRecord = new LeaderRecord(client, paths.leader());
        this.drainStore = new DrainStatusStore(client, paths);
        this.epochCounter = new EpochCounter(client, paths.epoch());
        this.events = new EventLog(loop);
        this.weights = new WeightBook(config.weightConfig(), config.weightInterval().toMillis());
        this.failures = new HealthBook(config.failure(), id);
        this.debouncer = new Debouncer(stateThread, config.debounce(), ControlPlaneConfig.MAX_COALESCE, this::publish);
    }

    void start() {
        LogContext.put(LogContext.COMPONENT_ID, id);
        health.setStatus(ControlPlaneGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
        tracker.start();
        leaderWatch.onChange(leader -> events.append(List.of(Event.newBuilder().setAtUnixMillis(clock.millis())
                .setKind("leader_changed").setId(leader.map(LeaderInfo::id).orElse(""))
                .setDetail(leader.map(l -> "epoch " + l.epoch() + " at " + l.address()).orElse("no leader"))
                .setObservedBy(id).build())));
        leaderWatch.start();
        leadership.start();
        stateThread.scheduleWithFixedDelay(this::healthTick, HEALTH_TICK_MILLIS, HEALTH_TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** This replica's metrics (leader, epoch, snapshot version, nodes, push-to-ACK latency, NACKs); any thread. */
    ControlPlaneMetrics metrics() {
        return metrics;
    }

    /** The state-thread executor; tasks submitted after close are dropped. */
    Executor loop() {
        return loop;
    }

    ClusterStateTracker tracker() {
        return tracker;
    }

    @Override
    public ClusterState state() {
        return tracker.current();
    }

    @Override
    public Map<String, StreamView> streams() {
        return onStateThread(() -> {
            Map<String, StreamView> views = new TreeMap<>();
            subscribers.forEach(s -> views.put(s.nodeId(), StreamView.copy(s)));
            return Map.copyOf(views);
        }, Map.of());
    }

    @Override
    public EventLog events() {
        return events;
    }

    @Override
    public <T> T onStateThread(java.util.function.Supplier<T> task, T fallback) {
        try {
            return CompletableFuture.supplyAsync(task, loop).get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback;
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            return fallback;
        }
    }

    // ---- election (state thread) ----

    private void onElected() {
        if (role != Role.FOLLOWER || !leadership.hasLeadership()) {
            return;
        }
        role = Role.CANDIDATE;
        long myTerm = ++term;
        log.info("replica {} won the election; raising the epoch", id);
        zkThread.execute(() -> acquire(myTerm));
    }

    /** On the zk thread: raise the epoch, claim control/leader, then activate on the state thread. */
    private void acquire(long myTerm) {
        try {
            OptionalLong epoch = epochCounter.raise(() -> stillTerm(myTerm));
            if (epoch.isEmpty()) {
                return;
            }
            if (!leaderRecord.claim(new LeaderInfo(id, advertise, epoch.getAsLong(), 0))) {
                loop.execute(() -> {
                    if (term == myTerm) {
                        stepDown("a newer leader holds control/leader");
                    }
                });
                return;
            }
            loop.execute(() -> activate(myTerm, epoch.getAsLong()));
        } catch (RuntimeException e) {
            if (stillTerm(myTerm)) {
                log.warn("could not take office (retrying in {} ms): {}", RETRY_DELAY.toMillis(), e.getMessage());
                retryLater(() -> acquire(myTerm));
            }
        }
    }

    private void retryLater(Runnable task) {
        try {
            zkThread.schedule(task, RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // closing
        }
    }

    private boolean stillTerm(long myTerm) {
        return term == myTerm && leadership.hasLeadership();
    }

    private void activate(long myTerm, long epoch) {
        if (term != myTerm || role != Role.CANDIDATE) {
            return; // lost it meanwhile; stepDown already queued the release of control/leader
        }
        role = Role.LEADER;
        metrics.leading(epoch);
        sequence = new SnapshotSequence(epoch, defaultService);
        // Versions restart with the epoch: every drain's barrier restarts from this leader's first snapshot.
        drainVersions.clear();
        drainWritten.clear();
        lastPublished = null;
        failures.leadershipChanged();
        health.setStatus(ControlPlaneGrpc.SERVICE_NAME, ServingStatus.SERVING);
        log.info("replica {} leads with epoch {}", id, epoch);
        publish();
    }

    private void stepDown(String reason) {
        if (role == Role.FOLLOWER) {
            return;
        }
        if (reason.equals(SHUTTING_DOWN)) {
            log.info("replica {} stops leading: {}", id, reason);
        } else {
            log.warn("replica {} stops leading: {}", id, reason);
        }
        role = Role.FOLLOWER;
        term++;
        sequence = null;
        debouncer.cancel();
        failures.leadershipChanged();
        updateHealthMetrics();
        health.setStatus(ControlPlaneGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
        List<Subscriber> ending = new ArrayList<>(subscribers);
        subscribers.clear();
        metrics.notLeading();
        ending.forEach(s -> s.end(Status.UNAVAILABLE.withDescription("not leader")));
        try {
            zkThread.execute(this::releaseRecord);
        } catch (RejectedExecutionException closed) {
            // closing: release() runs in close()
        }
    }

    private void releaseRecord() {
        try {
            leaderRecord.release();
        } catch (RuntimeException e) {
            log.warn("could not delete control/leader (it goes with our session): {}", e.getMessage());
        }
    }

    // ---- snapshots (state thread) ----

    /**
     * Tracker callback, once per cache event. The work a change causes (events, health, weights,
     * drains) runs once for all the events already queued on the state thread: during a
     * registration storm the queue grows while the thread is busy, so the batches grow with the
     * load and the cost per registration falls instead of each one paying a pass over the
     * cluster. A lone change is handled at once (the task is next in the queue).
     */
    private void stateChanged() {
        stateChange.request();
    }

    private void onStateChanged() {
        if (tracker.loaded()) {
            ClusterState current = tracker.current();
            recordEvents(current);
            // Before the weights are refreshed: a vanished endpoint's SUSPECT weight is a share of its last one.
            events.append(failures.onState(current, publishedWeights, clock.millis()));
            folded = current;
            updateHealthMetrics();
        }
        refreshWeights();
        evaluateDrainsSoon(); // a node that left no longer holds a barrier
        if (role == Role.LEADER) {
            debouncer.changed();
        }
    }

    /** Appends what changed since the last call; the state loaded at start is the baseline, not events. */
    private void recordEvents(ClusterState current) {
        if (lastSeen != null) {
            events.append(ClusterEvents.diff(lastSeen, current, clock.millis(), id));
        }
        lastSeen = current;
    }

    @Override
    public void reported(Subscriber subscriber) {
        if (role == Role.LEADER && subscriber.lastReport() != null) {
            failures.onReport(subscriber.nodeId(), subscriber.lastReport(), clock.millis());
        }
        evaluateDrainsSoon();
    }

    /** State thread: time-driven failure handling; on the leader a changed overlay means a new snapshot. */
    private void healthTick() {
        if (folded == null) {
            return;
        }
        try {
            HealthOverlay before = failures.overlay();
            events.append(failures.tick(folded, role == Role.LEADER, clock.millis()));
            updateHealthMetrics();
            if (role == Role.LEADER && !failures.overlay().equals(before)) {
                debouncer.changed();
            }
        } catch (RuntimeException e) {
            // A bug here must not cancel the periodic tick (an exception would).
            log.error("failure handling tick failed", e);
        }
    }

    private void updateHealthMetrics() {
        metrics.health(failures.selfPreservationByService(), failures.outlierEjectedByService(), failures.flapHeld());
    }

    @Override
    public List<ServiceHealth> serviceHealth() {
        return onStateThread(() -> {
            Snapshot snapshot = sequence != null && sequence.current().isPresent() ? sequence.current().get()
                    : SnapshotComputer.compute(folded != null ? folded : tracker.current(), weights.latest(), failures.overlay(), 0, 0,
                            clock.millis(), defaultService);
            return failures.services(snapshot);
        }, List.of());
    }

    @Override
    public HealthOverlay healthOverlay() {
        return failures.overlay();
    }

    @Override
    public Optional<String> healthReason(String service, String id) {
        return failures.reason(service, id);
    }

    /** Leader, state thread: which endpoints of the snapshot are drained, since which version. */
    private void trackDrains(Snapshot snapshot) {
        lastPublished = snapshot;
        java.util.Set<String> draining = new java.util.TreeSet<>();
        for (io.ballast.proto.v1.Service service : snapshot.getServicesList()) {
            for (io.ballast.proto.v1.Endpoint endpoint : service.getEndpointsList()) {
                if (endpoint.getState() == io.ballast.proto.v1.EndpointState.DRAINING) {
                    String key = service.getName() + "/" + endpoint.getId();
                    draining.add(key);
                    drainVersions.putIfAbsent(key, snapshot.getVersion());
                }
            }
        }
        for (String gone : new java.util.ArrayList<>(drainVersions.keySet())) {
            if (!draining.contains(gone)) {
                drainVersions.remove(gone);
                drainWritten.remove(gone);
                pendingDrainWrites.remove(gone); // a write still queued becomes a no-op before the delete
                String[] parts = gone.split("/", 2);
                zkThread.execute(() -> {
                    try {
                        drainStore.delete(parts[0], parts[1]);
                    } catch (RuntimeException e) {
                        log.warn("could not delete the drain status of {}: {}", gone, e.getMessage());
                    }
                });
            }
        }
        evaluateDrains();
    }

    /**
     * State thread: asks for one evaluation of every drain's barrier, after the events already
     * queued. Every ACK, report and stream change may move a barrier, and one evaluation costs
     * O(drains x nodes): evaluating per ACK made a mass drain (1,000 agents stopping, 200 nodes)
     * O(drains x nodes^2) per snapshot and queued one ZooKeeper write per drain per ACK, until the
     * leader ran out of heap. Coalesced, the ACKs of one push are answered by one evaluation.
     */
    private void evaluateDrainsSoon() {
        if (!drainVersions.isEmpty()) {
            drainEvaluation.request();
        }
    }

    /** Leader, state thread: re-evaluates every drain's barrier and writes the ones that changed. */
    private void evaluateDrains() {
        if (role != Role.LEADER || lastPublished == null || drainVersions.isEmpty()) {
            return;
        }
        java.util.SortedSet<String> live = tracker.current().nodes();
        Map<String, String> addresses = new java.util.HashMap<>();
        for (var service : lastPublished.getServicesList()) {
            for (var endpoint : service.getEndpointsList()) {
                String key = service.getName() + "/" + endpoint.getId();
                if (drainVersions.containsKey(key)) {
                    addresses.put(key, endpoint.getHost() + ":" + endpoint.getPort());
                }
            }
        }
        for (Map.Entry<String, Long> drain : drainVersions.entrySet()) {
            String[] parts = drain.getKey().split("/", 2);
            String address = addresses.getOrDefault(drain.getKey(), "");
            DrainStatus status = DrainBarrier.evaluate(address, drain.getValue(), live, subscribers, clock.millis());
            DrainStatus previous = drainWritten.get(drain.getKey());
            if (previous != null && previous.toBuilder().clearUpdatedAtUnixMillis().build()
                    .equals(status.toBuilder().clearUpdatedAtUnixMillis().build())) {
                continue;
            }
            drainWritten.put(drain.getKey(), status);
            if (status.getState().equals("COMPLETE")) {
                events.append(List.of(Event.newBuilder().setAtUnixMillis(clock.millis()).setKind("drain_complete")
                        .setService(parts[0]).setId(parts[1]).setDetail("since version " + status.getVersion())
                        .setObservedBy(id).build()));
            }
            // One queued write per drain at most: a newer status replaces a pending one, so a
            // slow ZooKeeper delays the statuses instead of piling writes up in the leader's heap.
            if (pendingDrainWrites.put(drain.getKey(), status) == null) {
                long myTerm = term;
                String key = drain.getKey();
                zkThread.execute(() -> {
                    DrainStatus latest = pendingDrainWrites.remove(key);
                    if (term != myTerm || latest == null) {
                        return; // no longer the leader that computed it
                    }
                    try {
                        drainStore.write(parts[0], parts[1], latest);
                    } catch (RuntimeException e) {
                        log.warn("could not write the drain status of {}: {}", key, e.getMessage());
                    }
                });
            }
        }
    }

    @Override
    public void answered(Subscriber subscriber, boolean accepted) {
        evaluateDrainsSoon();
        metrics.answered(accepted, subscriber.answerLatencyNanos());
        if (!accepted) {
            events.append(List.of(Event.newBuilder().setAtUnixMillis(clock.millis()).setKind("nack")
                    .setId(subscriber.nodeId()).setDetail("version " + subscriber.lastAnswerVersion() + ": " + subscriber.lastError())
                    .setObservedBy(id).build()));
        }
    }

    /**
     * Recomputes weights on every replica, leader or not, so that any replica can explain them
     * (ExplainWeight) with its own damping history. While a term is moving (slow start, load
     * blackout, damping), a tick recomputes once per weight interval and, on the leader,
     * publishes: the snapshot version bumps only when a weight actually changed.
     */
    private void refreshWeights() {
        if (folded == null) {
            return;
        }
        publishedWeights = weights.compute(folded, clock.millis());
        if (weights.timeDependent() && !weightTickScheduled) {
            weightTickScheduled = true;
            try {
                stateThread.schedule(() -> {
                    weightTickScheduled = false;
                    onStateChanged();
                }, weights.intervalMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closed) {
                // closing
            }
        }
    }

    /** The latest computed weights by service then id (immutable; any thread). */
    @Override
    public Map<String, ? extends Map<String, WeightResult>> weights() {
        return publishedWeights;
    }

    private void publish() {
        if (role != Role.LEADER || folded == null) {
            // A leader never pushes before all its caches hold what ZooKeeper holds and failure
            // handling has folded it; the fold that sets folded calls debouncer.changed().
            return;
        }
        long now = clock.millis();
        publishedWeights = weights.compute(folded, now);
        sequence.next(folded, weights.latest(), failures.overlay(), now).ifPresent(snapshot -> {
            log.info("publishing snapshot epoch {} version {} ({} services) to {} subscribers", snapshot.getEpoch(),
                    snapshot.getVersion(), snapshot.getServicesCount(), subscribers.size());
            subscribers.forEach(s -> s.offer(snapshot));
            metrics.published(snapshot.getVersion());
            trackDrains(snapshot);
            events.append(List.of(Event.newBuilder().setAtUnixMillis(clock.millis()).setKind("snapshot_published")
                    .setId(id).setDetail("epoch " + snapshot.getEpoch() + " version " + snapshot.getVersion() + ", "
                            + snapshot.getServicesCount() + " services, " + subscribers.size() + " subscribers")
                    .setObservedBy(id).build()));
            long version = snapshot.getVersion();
            zkThread.execute(() -> {
                try {
                    leaderRecord.updateVersion(version);
                } catch (RuntimeException e) {
                    log.warn("could not record version {} in control/leader: {}", version, e.getMessage());
                }
            });
        });
    }

    // ---- streams (state thread) ----

    @Override
    public void subscribe(Subscriber subscriber) {
        if (role == Role.FOLLOWER) {
            Redirect.Builder redirect = Redirect.newBuilder();
            leaderWatch.current().filter(leader -> !leader.id().equals(id)).ifPresent(leader ->
                    redirect.setLeaderAddress(leader.address()).setLeaderEpoch(leader.epoch()));
            log.info("node {} subscribed to non-leader {}; redirecting to {}", subscriber.nodeId(), id,
                    redirect.getLeaderAddress().isEmpty() ? "<no leader known>" : redirect.getLeaderAddress());
            subscriber.redirect(redirect.build());
            return;
        }
        subscribers.add(subscriber);
        metrics.subscribers(subscribers.size());
        log.info("node {} subscribed (last applied epoch {} version {})", subscriber.nodeId(),
                subscriber.hello().getLastEpoch(), subscriber.hello().getLastVersion());
        if (sequence != null) {
            sequence.current().ifPresent(subscriber::offer);
        }
    }

    @Override
    public PushEncoder pushEncoder() {
        return pushes;
    }

    @Override
    public void unsubscribe(Subscriber subscriber) {
        if (subscribers.remove(subscriber)) {
            metrics.subscribers(subscribers.size());
            failures.forget(subscriber.nodeId());
            log.info("node {} unsubscribed", subscriber.nodeId());
            evaluateDrainsSoon();
        }
    }

    /** Test hook: the current snapshot, if leading and published. */
    Snapshot currentSnapshot() {
        try {
            return CompletableFuture.supplyAsync(
                    () -> sequence == null ? null : sequence.current().orElse(null), loop).get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    /**
     * Leaves the election, ends every stream and deletes control/leader if ours, then stops
     * both threads. Blocks at most a few seconds.
     */
    @Override
    public void close() {
        leadership.close();
        try {
            CompletableFuture.runAsync(() -> stepDown(SHUTTING_DOWN), stateThread).get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            log.warn("could not step down cleanly", e);
        }
        try {
            CompletableFuture.runAsync(events::close, stateThread).get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            log.debug("could not end event watchers", e);
        }
        tracker.close();
        leaderWatch.close();
        stateThread.shutdown();
        zkThread.shutdown();
        try {
            if (!zkThread.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                zkThread.shutdownNow();
            }
            if (!stateThread.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                stateThread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            zkThread.shutdownNow();
            stateThread.shutdownNow();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
