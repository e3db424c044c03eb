package io.ballast.controlplane.state;

import io.ballast.common.config.Checks;
import io.ballast.common.json.Json;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.ballast.common.policy.PolicyRules;
import io.ballast.common.policy.RouteRules;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.ServicePolicy;
import io.ballast.proto.v1.SetRoutesRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns znodes under {@code backends/} and {@code config/endpoints/} into values, or into the
 * reason they are ignored. Pure; any thread. Errors are values: a bad payload written by a
 * buggy or foreign agent must never break the control plane, only be logged and skipped.
 */
public final class ZkEntries {

    private ZkEntries() {}

    /** {@code service} and {@code id} of the znode {@code <parent>/<service>/<id>}, or empty for any other depth. */
    public static Optional<Key> key(String parent, String path) {
        if (!path.startsWith(parent + "/")) {
            return Optional.empty();
        }
        String[] parts = path.substring(parent.length() + 1).split("/", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Key(parts[0], parts[1]));
    }

    /** A registration that may be pushed, or the problems why it may not. */
    public static Parsed<BackendRegistration> registration(Key key, byte[] data) {
        BackendRegistration registration;
        try {
            registration = Json.read(data, BackendRegistration.class, "registration " + key);
        } catch (IllegalArgumentException e) {
            return Parsed.invalid(e.getMessage());
        }
        List<String> problems = registration.problems();
        if (!problems.isEmpty()) {
            return Parsed.invalid(String.join("; ", problems));
        }
        if (!key.service().equals(registration.service()) || !key.id().equals(registration.id())) {
            return Parsed.invalid("service/id: \"" + registration.service() + "/" + registration.id()
                    + "\" (expected: \"" + key + "\", the znode's path)");
        }
        return Parsed.valid(registration);
    }

    /** An override, or the problem why it is ignored. */
    public static Parsed<EndpointOverride> override(Key key, byte[] data) {
        EndpointOverride override;
        try {
            override = Json.read(data, EndpointOverride.class, "override " + key);
        } catch (IllegalArgumentException e) {
            return Parsed.invalid(e.getMessage());
        }
        if (override.weight() != null && (override.weight() < 0 || override.weight() > Checks.MAX_WEIGHT)) {
            return Parsed.invalid("weight: " + override.weight() + " (expected: 0.." + Checks.MAX_WEIGHT + ")");
        }
        return Parsed.valid(override);
    }

    /**
     * A service policy (protobuf JSON of {@link ServicePolicy}, unknown fields ignored so that a
     * newer replica's payload still reads), or the problem why it is ignored: every rule of
     * {@link PolicyRules} applies, so what the snapshot gets is what the nodes accept.
     */
    public static Parsed<ServicePolicy> policy(String service, byte[] data) {
        ServicePolicy.Builder policy = ServicePolicy.newBuilder();
        try {
            JsonFormat.parser().ignoringUnknownFields().merge(new String(data, StandardCharsets.UTF_8), policy);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return Parsed.invalid("policy of service " + service + ": not a ServicePolicy in protobuf JSON: " + e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        if (!PolicyRules.ALGORITHMS.contains(policy.getAlgorithm())) {
            problems.add(Checks.message("algorithm", policy.getAlgorithm() == LbAlgorithm.UNRECOGNIZED
                    ? (Object) policy.getAlgorithmValue() : policy.getAlgorithm(), PolicyRules.ALGORITHM_NAMES));
        }
        PolicyRules.check(problems, "settings", policy.getSettings(), 0, PolicyRules.Origin.ADMIN);
        PolicyRules.checkSlowStart(problems, "slow_start", policy.getSlowStart());
        io.ballast.common.policy.AddressRules.check(problems, "allowed_backend_networks", policy.getAllowedBackendNetworksList());
        if (policy.hasHealthCheck()) {
            PolicyRules.checkHealthCheck(problems, "health_check", policy.getHealthCheck());
        }
        if (!problems.isEmpty()) {
            return Parsed.invalid(String.join("; ", problems));
        }
        return Parsed.valid(policy.setService(service).build());
    }

    /** The operator's routes (protobuf JSON of {@link SetRoutesRequest}), or the problem why they are ignored. */
    public static Parsed<List<Route>> routes(byte[] data) {
        SetRoutesRequest.Builder routes = SetRoutesRequest.newBuilder();
        try {
            JsonFormat.parser().ignoringUnknownFields().merge(new String(data, StandardCharsets.UTF_8), routes);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return Parsed.invalid("routes: not a SetRoutesRequest in protobuf JSON: " + e.getMessage());
        }
        List<String> problems = RouteRules.problems(routes.getRoutesList());
        return problems.isEmpty() ? Parsed.valid(List.copyOf(routes.getRoutesList())) : Parsed.invalid(String.join("; ", problems));
    }

    /** {@code <service>/<id>}. */
    public record Key(String service, String id) {
        @Override
        public String toString() {
            return service + "/" + id;
        }
    }

    /** Either a value or the reason there is none. */
    public record Parsed<T>(T value, String problem) {
        static <T> Parsed<T> valid(T value) {
            return new Parsed<>(value, null);
        }

        static <T> Parsed<T> invalid(String problem) {
            return new Parsed<>(null, problem);
        }

        public boolean isValid() {
            return value != null;
        }
    }
}
