package io.ballast.controlplane.health;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.policy.OutlierSettings;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.controlplane.state.EffectiveEndpoint;
import io.ballast.controlplane.weights.WeightResult;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Event;
import io.ballast.proto.v1.Report;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.ServiceHealth;
import io.ballast.proto.v1.Snapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The control plane's failure handling, one instance per replica: flap damping and
 * self-preservation (fed by the replica's own caches, on every replica, so that a newly elected
 * leader already knows) and, on the leader, outlier quorum ejection and the confirmation of
 * SUSPECT endpoints (fed by the nodes' reports). Its result is a {@link HealthOverlay}, an input
 * of the snapshot computation.
 *
 * <p>Threading: not thread-safe; every method runs on the control loop's state thread, except
 * {@link #overlay()} and {@link #reason}, which read an immutable value published through a
 * volatile field and may be called from any thread. Times are passed in (tests drive them).
 * Nothing here fails: inputs are validated registrations and reports are taken as evidence only.
 */
public final class HealthBook {

    private final FailureConfig config;
    private final String observer;
    private final FlapDamper flaps;
    private final SelfPreservation selfPreservation;
    private final OutlierEjections outliers = new OutlierEjections();
    private final NodeEvidence evidence;
    private ClusterState previous;
    private volatile HealthOverlay overlay = HealthOverlay.EMPTY;
    private volatile Map<String, String> reasons = Map.of();

    public HealthBook(FailureConfig config, String observer) {
        this.config = config;
        this.observer = observer;
        this.flaps = new FlapDamper(config);
        this.selfPreservation = new SelfPreservation(config);
        this.evidence = new NodeEvidence(config.outlierQuorumWindowMillis());
    }

    public FailureConfig config() {
        return config;
    }

    /**
     * Folds a change of the replica's view of ZooKeeper: vanished and (re)appeared registrations.
     * The first call only records the baseline (what was there at start did not vanish).
     *
     * @param weights the weights the endpoints were last served at (before this change)
     */
    public List<Event> onState(ClusterState current, Map<String, ? extends Map<String, WeightResult>> weights, long nowMillis) {
        EventSink events = new EventSink(nowMillis, observer);
        if (previous == null) {
            previous = current;
            return List.of();
        }
        TreeSet<String> services = new TreeSet<>(previous.registrations().keySet());
        services.addAll(current.registrations().keySet());
        for (String service : services) {
            SortedMap<String, BackendRegistration> was = previous.registrations().getOrDefault(service, Collections.emptySortedMap());
            SortedMap<String, BackendRegistration> is = current.registrations().getOrDefault(service, Collections.emptySortedMap());
            if (was.equals(is)) {
                continue;
            }
            for (BackendRegistration gone : was.values()) {
                if (is.containsKey(gone.id())) {
                    continue;
                }
                flaps.vanished(service, gone.id(), events);
                if (!flaps.isHeld(service, gone.id()) && previous.refusal(gone).isEmpty()) {
                    selfPreservation.vanished(service, gone, lastWeight(previous, weights, service, gone), events);
                }
            }
            for (String id : is.keySet()) {
                if (!was.containsKey(id)) {
                    selfPreservation.appeared(service, id, events);
                }
            }
            selfPreservation.evaluate(service, is.size(), events);
        }
        selfPreservation.endIdle(events);
        previous = current;
        publish();
        return events.events();
    }

    /** Leader: folds a node's report (its per-endpoint outcomes). */
    public void onReport(String node, Report report, long nowMillis) {
        evidence.record(node, report, nowMillis);
    }

    /** Leader: a node's stream ended; it no longer votes. */
    public void forget(String node) {
        evidence.forget(node);
    }

    /** This replica stopped (or started) leading: evidence and cluster-wide ejections were the old term's. */
    public void leadershipChanged() {
        evidence.clearAll();
        outliers.clear();
        publish();
    }

    /**
     * Time passes: holds and ejections run out, SUSPECT endpoints expire; on the leader, the nodes'
     * evidence ejects endpoints and confirms SUSPECT ones dead.
     */
    public List<Event> tick(ClusterState state, boolean leading, long nowMillis) {
        EventSink events = new EventSink(nowMillis, observer);
        flaps.tick(events);
        if (leading) {
            evidence.prune(nowMillis);
            outliers.evaluate(state, evidence, flaps, selfPreservation.suspects(), events);
            confirmSuspects(state, events);
        }
        selfPreservation.tick(events);
        publish();
        return events.events();
    }

    private void confirmSuspects(ClusterState state, EventSink events) {
        selfPreservation.suspects().forEach((service, suspects) -> {
            int quorum = OutlierEjections.settings(state, service).quorumPercent();
            suspects.forEach((id, suspect) -> {
                NodeEvidence.Verdict verdict = evidence.verdict(OutlierEjections.address(suspect.registration()), events.nowMillis());
                TreeSet<String> dead = new TreeSet<>(verdict.ejecting());
                dead.addAll(verdict.gatewayOnly());
                List<String> agreeing = List.copyOf(dead);
                if (NodeEvidence.Verdict.quorum(agreeing, verdict.voters(), quorum)) {
                    selfPreservation.confirmDead(service, id, NodeEvidence.Verdict.describe(agreeing, verdict.voters()), events);
                }
            });
        });
        selfPreservation.endIdle(events);
    }

    /** The latest overlay; any thread. */
    public HealthOverlay overlay() {
        return overlay;
    }

    /** Why failure handling takes {@code service/id} out (outlier quorum or flap damping); empty when it does not. Any thread. */
    public Optional<String> reason(String service, String id) {
        return Optional.ofNullable(reasons.get(service + "/" + id));
    }

    /** The earliest time a tick would change something, {@link Long#MAX_VALUE} when none. */
    public long nextDeadline() {
        return Math.min(flaps.nextDeadline(), Math.min(selfPreservation.nextDeadline(), outliers.nextDeadline()));
    }

    /** Services in self-preservation, by service: 1 (all of them; for the gauge). */
    public SortedMap<String, Integer> selfPreservationByService() {
        SortedMap<String, Integer> active = new TreeMap<>();
        selfPreservation.active().forEach(service -> active.put(service, 1));
        return active;
    }

    public SortedMap<String, Integer> outlierEjectedByService() {
        SortedMap<String, Integer> counts = new TreeMap<>();
        overlay.ejected().forEach((service, ids) -> counts.put(service, ids.size()));
        return counts;
    }

    public int flapHeld() {
        return overlay.held().values().stream().mapToInt(java.util.Set::size).sum();
    }

    /**
     * The failure handling in force per service, for GetStatus: only services in self-preservation or
     * panic, or with SUSPECT, ejected or held endpoints.
     *
     * @param snapshot the leader's snapshot (or the one this replica would compute), for panic and eligibility
     */
    public List<ServiceHealth> services(Snapshot snapshot) {
        HealthOverlay current = overlay;
        List<ServiceHealth> health = new ArrayList<>();
        for (Service service : snapshot.getServicesList()) {
            String name = service.getName();
            int endpoints = service.getEndpointsCount();
            int eligible = (int) service.getEndpointsList().stream().filter(HealthBook::eligible).count();
            int threshold = OutlierSettings.panicThresholdPercent(service.getPolicy());
            boolean panic = threshold > 0 && endpoints > 0 && eligible * 100L < (long) threshold * endpoints;
            ServiceHealth.Builder entry = ServiceHealth.newBuilder().setService(name).setEndpoints(endpoints).setEligible(eligible)
                    .setPanic(panic)
                    .setSuspect(current.suspects(name).size())
                    .setOutlierEjected(current.ejected().getOrDefault(name, Collections.emptySortedMap()).size())
                    .setFlapHeld(current.held().getOrDefault(name, Collections.emptySortedSet()).size());
            selfPreservation.since(name).ifPresent(since -> entry.setSelfPreservation(true)
                    .setSelfPreservationSinceUnixMillis(since.getKey()).setSelfPreservationReason(since.getValue()));
            if (entry.getSelfPreservation() || panic || entry.getSuspect() > 0 || entry.getOutlierEjected() > 0 || entry.getFlapHeld() > 0) {
                health.add(entry.build());
            }
        }
        return health;
    }

    /** ACTIVE or SUSPECT with a weight: what a node may pick outside panic. */
    static boolean eligible(Endpoint endpoint) {
        return (endpoint.getState() == EndpointState.ACTIVE || endpoint.getState() == EndpointState.SUSPECT) && endpoint.getWeight() > 0;
    }

    private void publish() {
        SortedMap<String, SortedMap<String, String>> ejected = outliers.ejected();
        overlay = new HealthOverlay(selfPreservation.suspects(), ejected, flaps.held(), selfPreservation.lingering());
        Map<String, String> why = new TreeMap<>();
        ejected.forEach((service, ids) -> ids.forEach((id, reason) -> why.put(service + "/" + id, reason)));
        flaps.held().forEach((service, ids) -> ids.forEach(id -> flaps.reason(service, id).ifPresent(r -> why.put(service + "/" + id, r))));
        reasons = Map.copyOf(why);
    }

    private static int lastWeight(ClusterState state, Map<String, ? extends Map<String, WeightResult>> weights, String service,
                                  BackendRegistration registration) {
        Map<String, WeightResult> computed = weights.get(service);
        WeightResult result = computed == null ? null : computed.get(registration.id());
        return result != null ? result.effective()
                : EffectiveEndpoint.weight(registration.weight(), state.effectiveOverride(service, registration.id()));
    }
}
