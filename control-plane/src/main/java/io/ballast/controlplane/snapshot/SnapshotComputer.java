package io.ballast.controlplane.snapshot;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.controlplane.state.EffectiveEndpoint;
import io.ballast.controlplane.health.HealthOverlay;
import io.ballast.controlplane.health.Suspect;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import io.ballast.controlplane.weights.WeightResult;
import io.ballast.proto.v1.ServicePolicy;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Computes the snapshot as a pure function of its inputs, so that any replica that becomes
 * leader computes the same content from the same ZooKeeper state. Any thread; no failure mode
 * (inputs are already validated by {@link io.ballast.controlplane.state.ZkEntries}).
 *
 * <p>Rules: one service per service with registrations or named by an operator route (sorted by
 * name), endpoints sorted by id; weight = the {@link WeightResult} the weight book computed
 * (else override if set, else declared), declared_weight = override if set, else declared;
 * drained endpoints are DRAINING with weight 0. Each service gets the default policy overlaid
 * with the operator's settings from {@code config/services/<service>}; a rate limit's node share is
 * the cluster rate divided by the live nodes ({@code nodes/}, at least 1). A registration
 * outside its service's allowed networks is left out. Routes: the
 * operator's first, in order, then {@code Host: <service>, /} per registered service. The default
 * service is {@code defaultService} if it has registrations, else the only service if there is
 * exactly one, else none.
 *
 * <p>Failure handling ({@link HealthOverlay}): an endpoint held down by flap damping is left out; one
 * ejected by outlier quorum is EJECTED with weight 0 (unless it is draining: the drain barrier needs
 * DRAINING); a SUSPECT endpoint (its registration vanished during self-preservation) is built from
 * its last registration at its reduced weight, and keeps its service, route and default-service
 * status as if it were still registered.
 */
public final class SnapshotComputer {

    public static final int CONNECT_TIMEOUT_MILLIS = 1_000;
    public static final int RESPONSE_TIMEOUT_MILLIS = 30_000;
    public static final int CONNECT_RETRIES = 1;

    static final Policy DEFAULT_POLICY = Policy.newBuilder()
            .setAlgorithm(LbAlgorithm.ROUND_ROBIN)
            .setConnectTimeoutMillis(CONNECT_TIMEOUT_MILLIS)
            .setResponseTimeoutMillis(RESPONSE_TIMEOUT_MILLIS)
            .setConnectRetries(CONNECT_RETRIES)
            .build();

    private SnapshotComputer() {}

    /** Without computed weights: each endpoint's weight is its override or declared weight. */
    public static Snapshot compute(ClusterState state, long epoch, long version, long nowMillis, String defaultService) {
        return compute(state, Map.of(), epoch, version, nowMillis, defaultService);
    }

    /** @param weights computed weights by service then id; an endpoint without one gets its override or declared weight */
    public static Snapshot compute(ClusterState state, Map<String, ? extends Map<String, WeightResult>> weights,
                                   long epoch, long version, long nowMillis, String defaultService) {
        return compute(state, weights, HealthOverlay.EMPTY, epoch, version, nowMillis, defaultService);
    }

    /** @param health what failure handling changes: SUSPECT, outlier-ejected and flap-held endpoints */
    public static Snapshot compute(ClusterState state, Map<String, ? extends Map<String, WeightResult>> weights,
                                   HealthOverlay health, long epoch, long version, long nowMillis, String defaultService) {
        Snapshot.Builder snapshot = Snapshot.newBuilder()
                .setEpoch(epoch)
                .setVersion(version)
                .setComputedAtUnixMillis(nowMillis);
        SortedMap<String, SortedMap<String, BackendRegistration>> registrations = state.registrations();
        SortedSet<String> present = new TreeSet<>(registrations.keySet());
        present.addAll(health.suspectServices());
        SortedSet<String> services = new TreeSet<>(present);
        for (Route route : state.routes()) {
            if (route.getSplitCount() == 0) {
                services.add(route.getService());
            }
            route.getSplitList().forEach(split -> services.add(split.getService()));
        }
        for (String name : services) {
            Service.Builder built = Service.newBuilder().setName(name).setPolicy(policy(state, name));
            Map<String, WeightResult> computed = weights.get(name);
            SortedMap<String, Endpoint> endpoints = new java.util.TreeMap<>();
            SortedMap<String, BackendRegistration> registered = registrations.getOrDefault(name, Collections.emptySortedMap());
            for (BackendRegistration registration : registered.values()) {
                if (state.refusal(registration).isPresent() || health.isHeld(name, registration.id())) {
                    continue; // outside the service's allowed networks, or flapping: not pushed
                }
                WeightResult result = computed == null ? null : computed.get(registration.id());
                Endpoint endpoint = endpoint(registration, state.effectiveOverride(name, registration.id()), result);
                if (endpoint.getState() == EndpointState.ACTIVE && health.ejection(name, registration.id()).isPresent()) {
                    endpoint = endpoint.toBuilder().setState(EndpointState.EJECTED).setWeight(0).build();
                }
                endpoints.put(registration.id(), endpoint);
            }
            for (Suspect suspect : health.suspects(name).values()) {
                String id = suspect.registration().id();
                if (registered.containsKey(id) || health.isHeld(name, id)) {
                    continue;
                }
                Endpoint endpoint = endpoint(suspect.registration(), state.effectiveOverride(name, id), null);
                endpoints.put(id, endpoint.getState() != EndpointState.ACTIVE ? endpoint
                        : endpoint.toBuilder().setState(EndpointState.SUSPECT).setWeight(suspect.weight()).build());
            }
            for (Suspect lingering : health.lingering(name).values()) {
                String id = lingering.registration().id();
                if (registered.containsKey(id) || endpoints.containsKey(id) || health.isHeld(name, id)) {
                    continue;
                }
                // Within its removal grace: exactly as it was served, so the snapshot does not change yet.
                Endpoint endpoint = endpoint(lingering.registration(), state.effectiveOverride(name, id), null);
                endpoints.put(id, endpoint.getState() != EndpointState.ACTIVE ? endpoint
                        : endpoint.toBuilder().setWeight(lingering.weight()).build());
            }
            built.addAllEndpoints(endpoints.values());
            snapshot.addServices(built);
        }
        snapshot.addAllRoutes(state.routes());
        for (String name : present) {
            snapshot.addRoutes(Route.newBuilder().setHost(name).setPathPrefix("/").setService(name));
        }
        snapshot.setDefaultService(defaultServiceOf(present.stream().toList(), defaultService));
        return snapshot.build();
    }

    /** True when {@code a} and {@code b} route identically: equal apart from epoch, version and computed_at. */
    public static boolean sameContent(Snapshot a, Snapshot b) {
        return content(a).equals(content(b));
    }

    private static Snapshot content(Snapshot snapshot) {
        return snapshot.toBuilder().clearEpoch().clearVersion().clearComputedAtUnixMillis().build();
    }

    private static Policy policy(ClusterState state, String service) {
        Optional<ServicePolicy> stored = state.policy(service);
        if (stored.isEmpty()) {
            return DEFAULT_POLICY;
        }
        // proto3 merge copies only the fields the operator set, so unset timeouts keep the defaults.
        Policy.Builder policy = DEFAULT_POLICY.toBuilder().mergeFrom(stored.get().getSettings())
                .setAlgorithm(stored.get().getAlgorithm());
        if (policy.hasRateLimit()) {
            int nodes = Math.max(1, state.nodes().size());
            policy.setRateLimit(policy.getRateLimit().toBuilder()
                    .setNodeRequestsPerSecond(policy.getRateLimit().getClusterRequestsPerSecond() / nodes)
                    .setLiveNodes(state.nodes().size()));
        }
        return policy.build();
    }

    private static Endpoint endpoint(BackendRegistration registration, EndpointOverride override, WeightResult computed) {
        int base = override.weight() != null ? override.weight() : registration.weight();
        int weight = computed != null ? computed.effective() : EffectiveEndpoint.weight(registration.weight(), override);
        return Endpoint.newBuilder()
                .setId(registration.id())
                .setHost(registration.host())
                .setPort(registration.port())
                .setZone(registration.zone())
                .setWeight(override.drained() ? 0 : weight)
                .setDeclaredWeight(base)
                .setState(EffectiveEndpoint.state(override))
                .putAllMetadata(registration.metadata())
                .build();
    }

    private static String defaultServiceOf(java.util.List<String> services, String preferred) {
        if (services.contains(preferred)) {
            return preferred;
        }
        return services.size() == 1 ? services.get(0) : "";
    }
}
