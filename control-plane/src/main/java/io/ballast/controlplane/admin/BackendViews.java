package io.ballast.controlplane.admin;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.controlplane.state.EffectiveEndpoint;
import io.ballast.proto.v1.Backend;
import java.util.ArrayList;
import io.ballast.controlplane.weights.WeightResult;
import io.ballast.controlplane.weights.WeightTerm;
import java.util.List;
import java.util.Map;
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
        return backend(service, id, registration, override, Optional.empty());
    }

    /** With the weight book's result, when there is one: its effective weight and every term behind it. */
    static Backend backend(String service, String id, Optional<BackendRegistration> registration, EndpointOverride override,
                           Optional<WeightResult> computed) {
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
        registration.map(BackendRegistration::load).ifPresent(load -> backend.setLastLoad(io.ballast.proto.v1.LoadReport.newBuilder()
                .setCpuUtilization(load.cpuUtilization()).setInFlight(load.inFlight()).setQps(load.qps())
                .setUtilization(load.utilization()).setReportedAtUnixMillis(load.reportedAtMillis())));
        if (override.weight() != null) {
            backend.setOverrideWeight(override.weight());
        }
        if (override.hasEjection()) {
            backend.setEjected(override.ejected());
        }
        if (registration.isPresent()) {
            computed.ifPresent(result -> {
                backend.setEffectiveWeight(override.drained() ? 0 : result.effective());
                result.terms().forEach(term -> backend.addWeightTerms(term(term)));
            });
        }
        return backend.build();
    }

    /** Every backend with a registration or an override, of {@code service} or (when null) of all services. */
    static io.ballast.proto.v1.WeightTerm term(WeightTerm term) {
        return io.ballast.proto.v1.WeightTerm.newBuilder().setName(term.name()).setValue(term.value()).setReason(term.reason()).build();
    }

    /** With the refusal of a registration outside its service's allowed networks (then it has no effective weight). */
    static Backend backend(ClusterState state, String service, String id, Optional<WeightResult> computed) {
        Optional<BackendRegistration> registration = state.registration(service, id);
        Optional<String> refused = registration.flatMap(state::refusal);
        Backend backend = backend(service, id, registration, state.effectiveOverride(service, id),
                refused.isPresent() ? Optional.empty() : computed);
        return refused.map(reason -> backend.toBuilder().setRefused(reason).setEffectiveWeight(0).clearWeightTerms().build())
                .orElse(backend);
    }

    /**
     * A SUSPECT endpoint: its registration vanished during self-preservation and the snapshot still
     * serves it, from its last registration, at the reduced weight.
     */
    static Backend suspect(String service, io.ballast.controlplane.health.Suspect suspect, EndpointOverride override) {
        BackendRegistration r = suspect.registration();
        Backend backend = backend(service, r.id(), Optional.of(r), override);
        Backend.Builder b = backend.toBuilder().setRegistered(false).clearLastLoad();
        if (backend.getState() == io.ballast.proto.v1.EndpointState.ACTIVE) {
            b.setState(io.ballast.proto.v1.EndpointState.SUSPECT).setEffectiveWeight(suspect.weight());
        }
        return b.build();
    }

    static List<Backend> list(ClusterState state, String service, Map<String, ? extends Map<String, WeightResult>> weights) {
        List<Backend> backends = new ArrayList<>();
        for (String name : state.knownServices()) {
            if (service != null && !service.equals(name)) {
                continue;
            }
            for (String id : state.knownIds(name)) {
                Optional<WeightResult> computed = Optional.ofNullable(weights.get(name)).map(byId -> byId.get(id));
                backends.add(backend(state, name, id, computed));
            }
        }
        return backends;
    }
}
