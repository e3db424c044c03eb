package io.ballast.controlplane.admin;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.controlplane.state.EffectiveEndpoint;
import io.ballast.proto.v1.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Admin-API views of backends, using the same weight/state rule as the snapshot
 * ({@link EffectiveEndpoint}). Pure; any thread.
 */
final class BackendViews {

    private BackendViews() {}

    /**
     * One backend. An unregistered backend (override only) has no address and effective weight 0:
     * the nodes do not know it.
     */
    static Backend backend(String service, String id, Optional<BackendRegistration> registration, EndpointOverride override) {
        Backend.Builder backend = Backend.newBuilder()
                .setService(service)
                .setId(id)
                .setRegistered(registration.isPresent())
                .setDrained(override.drained())
                .setState(EffectiveEndpoint.state(override));
        registration.ifPresent(r -> backend
                .setHost(r.host())
                .setPort(r.port())
                .setZone(r.zone())
                .setDeclaredWeight(r.weight())
                .setEffectiveWeight(EffectiveEndpoint.weight(r.weight(), override)));
        if (override.weight() != null) {
            backend.setOverrideWeight(override.weight());
        }
        return backend.build();
    }

    /** Every backend with a registration or an override, of {@code service} or (when null) of all services. */
    static List<Backend> list(ClusterState state, String service) {
        List<Backend> backends = new ArrayList<>();
        for (String name : state.knownServices()) {
            if (service != null && !service.equals(name)) {
                continue;
            }
            for (String id : state.knownIds(name)) {
                backends.add(backend(name, id, state.registration(name, id), state.override(name, id)));
            }
        }
        return backends;
    }
}
