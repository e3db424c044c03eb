package io.ballast.controlplane.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.node.snapshot.SnapshotPatch;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotDelta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Property: for random snapshots v1 and random changes v2 of it, the node's patch of the leader's
 * delta yields exactly v2: {@code full(v2) == apply(full(v1), delta(v1 -> v2))}. Fixed seed, so a
 * failure reproduces.
 */
class SnapshotDeltaRoundTripTest {

    private static final long SEED = 20261202L;
    private static final int ROUNDS = 500;

    private final Random random = new Random(SEED);

    @Test
    void patchingTheDeltaYieldsTheTargetSnapshot() {
        int deltas = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Snapshot v1 = randomSnapshot(1 + random.nextInt(5));
            Snapshot v2 = mutate(v1, 1 + random.nextInt(6));
            var delta = SnapshotDiff.between(v1, v2);
            if (delta.isEmpty()) {
                // Allowed only when the delta would not be smaller than the full snapshot.
                continue;
            }
            deltas++;
            SnapshotPatch.Result patched = SnapshotPatch.apply(v1, delta.get());
            assertThat(patched.error()).as("round %d", round).isEmpty();
            assertThat(patched.snapshot()).as("round %d", round).isEqualTo(v2);
            assertThat(delta.get().getSerializedSize()).isLessThan(v2.getSerializedSize());
        }
        // Most random changes touch a small part of the snapshot: the property is not vacuous.
        assertThat(deltas).isGreaterThan(ROUNDS / 2);
    }

    @Test
    void chainedDeltasFollowAStreamOfChanges() {
        Snapshot applied = randomSnapshot(1);
        Snapshot leader = applied;
        for (int step = 0; step < 200; step++) {
            Snapshot next = mutate(leader, 1 + random.nextInt(3));
            Snapshot base = leader;
            applied = SnapshotDiff.between(base, next).map(d -> SnapshotPatch.apply(base, d).snapshot()).orElse(next);
            assertThat(applied).as("step %d", step).isEqualTo(next);
            leader = next;
        }
    }

    @Test
    void aDeltaOnlyAppliesToItsBase() {
        Snapshot v1 = randomSnapshot(1);
        Snapshot v2 = weightChange(v1, 2);
        SnapshotDelta delta = SnapshotDiff.between(v1, v2).orElseThrow();
        Snapshot other = v1.toBuilder().setVersion(40).build();

        assertThat(SnapshotPatch.apply(other, delta).error())
                .isEqualTo("base_version: 1 (expected: the applied version 40)");
        assertThat(SnapshotPatch.apply(v1.toBuilder().setEpoch(2).build(), delta).error())
                .isEqualTo("epoch: 1 (expected: the applied epoch 2)");
        assertThat(SnapshotPatch.apply(null, delta).error())
                .isEqualTo("base_version: 1 (expected: a full snapshot first: none is applied)");
    }

    @Test
    void aDeltaNamingWhatTheBaseLacksIsRefused() {
        Snapshot v1 = randomSnapshot(1);
        SnapshotDelta delta = SnapshotDelta.newBuilder().setEpoch(1).setVersion(2).setBaseVersion(1)
                .addRemovedServices("nope")
                .addServices(io.ballast.proto.v1.ServiceDelta.newBuilder().setName("ghost").addRemovedEndpointIds("x"))
                .build();

        assertThat(SnapshotPatch.apply(v1, delta).error()).isEqualTo(
                "removed_services[0]: \"nope\" (expected: a service of the applied snapshot); "
                        + "services[0].name: \"ghost\" (expected: a service of the applied snapshot, or a replacement)");
    }

    @Test
    void noDeltaAcrossEpochsOrForSnapshotsOutOfOrder() {
        Snapshot v1 = randomSnapshot(1);
        Snapshot v2 = weightChange(v1, 2);

        assertThat(SnapshotDiff.between(v1, v2.toBuilder().setEpoch(2).build())).isEmpty();
        assertThat(SnapshotDiff.between(v2, v1)).isEmpty();
        List<Service> reversed = new ArrayList<>(v2.getServicesList());
        java.util.Collections.reverse(reversed);
        Snapshot unsorted = v2.toBuilder().clearServices().addAllServices(reversed).build();
        if (v2.getServicesCount() > 1) {
            assertThat(SnapshotDiff.between(v1, unsorted)).isEmpty();
        }
    }

    @Test
    void aWeightChangeCarriesOneEndpoint() {
        Snapshot v1 = randomSnapshot(1);
        Snapshot v2 = weightChange(v1, 2);

        SnapshotDelta delta = SnapshotDiff.between(v1, v2).orElseThrow();

        assertThat(delta.getServicesCount()).isEqualTo(1);
        assertThat(delta.getServices(0).hasReplacement()).isFalse();
        assertThat(delta.getServices(0).getUpsertedEndpointsCount()).isEqualTo(1);
        assertThat(delta.getServices(0).hasPolicy()).isFalse();
        assertThat(delta.hasRoutes()).isFalse();
        assertThat(delta.hasDefaultService()).isFalse();
        assertThat(delta.getBaseVersion()).isEqualTo(1);
        assertThat(delta.getVersion()).isEqualTo(2);
    }

    // ---- generators ----

    private Snapshot randomSnapshot(long version) {
        Map<String, Service> services = new TreeMap<>();
        int count = 1 + random.nextInt(8);
        for (int i = 0; i < count; i++) {
            String name = "svc-" + random.nextInt(20);
            services.put(name, randomService(name));
        }
        return canonical(Snapshot.newBuilder().setEpoch(1).setVersion(version)
                .setComputedAtUnixMillis(1_000 + version), services, randomRoutes(services.keySet()),
                services.isEmpty() ? "" : services.keySet().iterator().next());
    }

    private Service randomService(String name) {
        Map<String, Endpoint> endpoints = new TreeMap<>();
        int count = random.nextInt(30);
        for (int i = 0; i < count; i++) {
            Endpoint endpoint = randomEndpoint();
            endpoints.put(endpoint.getId(), endpoint);
        }
        return Service.newBuilder().setName(name).setPolicy(randomPolicy()).addAllEndpoints(endpoints.values()).build();
    }

    private Endpoint randomEndpoint() {
        int n = random.nextInt(100);
        Endpoint.Builder endpoint = Endpoint.newBuilder().setId("ep-" + n).setHost("10.0." + (n / 10) + "." + n)
                .setPort(8000 + n).setZone("z" + random.nextInt(3)).setWeight(random.nextInt(101))
                .setDeclaredWeight(100).setState(EndpointState.forNumber(1 + random.nextInt(4)));
        if (random.nextBoolean()) {
            endpoint.putMetadata("version", "v" + random.nextInt(5));
        }
        return endpoint.build();
    }

    private Policy randomPolicy() {
        return Policy.newBuilder().setAlgorithm(LbAlgorithm.forNumber(1 + random.nextInt(6)))
                .setConnectTimeoutMillis(1 + random.nextInt(5_000)).setResponseTimeoutMillis(30_000)
                .setConnectRetries(random.nextInt(3)).build();
    }

    private List<Route> randomRoutes(java.util.Set<String> services) {
        List<Route> routes = new ArrayList<>();
        for (String name : services) {
            if (random.nextInt(4) > 0) {
                routes.add(Route.newBuilder().setHost(name).setPathPrefix("/").setService(name).build());
            }
        }
        return routes;
    }

    /** Applies {@code changes} random changes of the kinds the leader makes, as the next version. */
    private Snapshot mutate(Snapshot base, int changes) {
        Map<String, Service> services = new TreeMap<>();
        base.getServicesList().forEach(s -> services.put(s.getName(), s));
        List<Route> routes = new ArrayList<>(base.getRoutesList());
        String defaultService = base.getDefaultService();
        for (int c = 0; c < changes; c++) {
            int kind = random.nextInt(10);
            List<String> names = new ArrayList<>(services.keySet());
            String name = names.isEmpty() ? null : names.get(random.nextInt(names.size()));
            switch (kind) {
                case 0 -> {
                    String added = "svc-" + random.nextInt(40);
                    services.put(added, randomService(added));
                }
                case 1 -> {
                    if (name != null) {
                        services.remove(name);
                    }
                }
                case 2 -> {
                    if (name != null) {
                        services.put(name, services.get(name).toBuilder().setPolicy(randomPolicy()).build());
                    }
                }
                case 3 -> routes = randomRoutes(services.keySet());
                case 4 -> defaultService = name == null ? "" : name;
                case 5 -> {
                    if (name != null) {
                        services.put(name, services.get(name).toBuilder().clearPolicy().build());
                    }
                }
                default -> {
                    if (name != null) {
                        services.put(name, mutateEndpoints(services.get(name)));
                    }
                }
            }
        }
        return canonical(base.toBuilder().setVersion(base.getVersion() + 1).setComputedAtUnixMillis(base.getComputedAtUnixMillis() + 7),
                services, routes, defaultService);
    }

    private Service mutateEndpoints(Service service) {
        Map<String, Endpoint> endpoints = new TreeMap<>();
        service.getEndpointsList().forEach(e -> endpoints.put(e.getId(), e));
        List<String> ids = new ArrayList<>(endpoints.keySet());
        int kind = random.nextInt(4);
        if (kind == 0 || ids.isEmpty()) {
            Endpoint added = randomEndpoint();
            endpoints.put(added.getId(), added);
        } else {
            String id = ids.get(random.nextInt(ids.size()));
            Endpoint endpoint = endpoints.get(id);
            switch (kind) {
                case 1 -> endpoints.remove(id);
                case 2 -> endpoints.put(id, endpoint.toBuilder().setWeight(random.nextInt(10_001)).build());
                default -> endpoints.put(id, endpoint.toBuilder().setState(EndpointState.DRAINING).setWeight(0)
                        .putMetadata("drained", "yes").build());
            }
        }
        return service.toBuilder().clearEndpoints().addAllEndpoints(endpoints.values()).build();
    }

    private static Snapshot weightChange(Snapshot base, long version) {
        Snapshot.Builder next = base.toBuilder().setVersion(version);
        for (int i = 0; i < next.getServicesCount(); i++) {
            Service service = next.getServices(i);
            if (service.getEndpointsCount() > 0) {
                Endpoint endpoint = service.getEndpoints(0);
                next.setServices(i, service.toBuilder().setEndpoints(0,
                        endpoint.toBuilder().setWeight(endpoint.getWeight() == 1 ? 2 : 1)));
                return next.build();
            }
        }
        // No endpoint anywhere: add one so that there is a weight to change.
        return next.setServices(0, next.getServices(0).toBuilder().addEndpoints(Endpoint.newBuilder().setId("x")
                .setHost("h").setPort(1).setWeight(1).setState(EndpointState.ACTIVE))).build();
    }

    private static Snapshot canonical(Snapshot.Builder snapshot, Map<String, Service> sortedServices, List<Route> routes,
                                      String defaultService) {
        return snapshot.clearServices().addAllServices(sortedServices.values()).clearRoutes().addAllRoutes(routes)
                .setDefaultService(defaultService).build();
    }
}
