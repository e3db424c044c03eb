package io.ballast.controlplane.snapshot;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.controlplane.state.EffectiveEndpoint;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import java.util.Map;
import java.util.SortedMap;

/**
 * Computes the snapshot as a pure function of its inputs, so that any replica that becomes
 * leader computes the same content from the same ZooKeeper state. Any thread; no failure mode
 * (inputs are already validated by {@link io.ballast.controlplane.state.ZkEntries}).
 *
 * <p>Rules: one service per service with registrations (sorted by name), endpoints sorted by
 * id; weight = override if set, else declared; drained endpoints are DRAINING with weight 0.
 * Each service gets the default policy with the operator's algorithm, if one is set in
 * {@code config/services/<service>} (else ROUND_ROBIN), and a route {@code Host: <service>, /}. The default
 * service is {@code defaultService} if it has registrations, else the only service if there is
 * exactly one, else none.
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

    public static Snapshot compute(ClusterState state, long epoch, long version, long nowMillis, String defaultService) {
        Snapshot.Builder snapshot = Snapshot.newBuilder()
                .setEpoch(epoch)
                .setVersion(version)
                .setComputedAtUnixMillis(nowMillis);
        SortedMap<String, SortedMap<String, BackendRegistration>> registrations = state.registrations();
        for (Map.Entry<String, SortedMap<String, BackendRegistration>> service : registrations.entrySet()) {
            Service.Builder built = Service.newBuilder().setName(service.getKey())
                    .setPolicy(policy(state, service.getKey()));
            for (BackendRegistration registration : service.getValue().values()) {
                built.addEndpoints(endpoint(registration, state.override(service.getKey(), registration.id())));
            }
            snapshot.addServices(built);
            snapshot.addRoutes(Route.newBuilder().setHost(service.getKey()).setPathPrefix("/").setService(service.getKey()));
        }
        snapshot.setDefaultService(defaultServiceOf(registrations.keySet().stream().toList(), defaultService));
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
        return state.policy(service)
                .map(policy -> DEFAULT_POLICY.toBuilder()
                        .setAlgorithm(LbAlgorithm.valueOf(policy.algorithm()))
                        .setChoiceCount(policy.choiceCount())
                        .build())
                .orElse(DEFAULT_POLICY);
    }

    private static Endpoint endpoint(BackendRegistration registration, EndpointOverride override) {
        return Endpoint.newBuilder()
                .setId(registration.id())
                .setHost(registration.host())
                .setPort(registration.port())
                .setZone(registration.zone())
                .setWeight(EffectiveEndpoint.weight(registration.weight(), override))
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
