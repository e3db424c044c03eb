package io.ballast.node.snapshot;

import io.ballast.common.config.Checks;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.common.policy.PolicyRules;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.WeightedService;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a {@link Snapshot} against the rules written in {@code snapshot.proto}, so that a
 * node refuses (NACKs) a bad snapshot instead of installing it.
 *
 * <p>Pure and stateless; any thread may call it. Every problem is reported, each in the
 * {@link Checks} style with the path of the offending field in proto field names, e.g.
 * {@code services[0].endpoints[1].port: 0 (expected: 1..65535)}.
 *
 * <p>Policy timeouts of {@code 0} mean "use the proxy's default" (proto3 cannot tell an unset
 * field from 0, and a control plane that leaves a policy empty should not be refused).
 */
public final class SnapshotValidator {

    static final int MAX_METADATA = 32;

    private SnapshotValidator() {}

    /** Every problem with {@code snapshot}; empty when it is valid. */
    public static List<String> problems(Snapshot snapshot) {
        List<String> problems = new ArrayList<>();
        checkCounter(problems, "epoch", snapshot.getEpoch());
        checkCounter(problems, "version", snapshot.getVersion());
        Map<String, Integer> serviceIndex = new HashMap<>();
        for (int i = 0; i < snapshot.getServicesCount(); i++) {
            Service service = snapshot.getServices(i);
            String path = "services[" + i + "]";
            String name = service.getName();
            if (!Checks.NAME.matcher(name).matches()) {
                problems.add(Checks.message(path + ".name", name, Checks.NAME.pattern()));
            } else {
                Integer first = serviceIndex.putIfAbsent(name, i);
                if (first != null) {
                    problems.add(Checks.message(path + ".name", name, "unique, already used by services[" + first + "]"));
                }
            }
            // The same rules the admin API applies, so a policy it accepted is never NACKed here;
            // an algorithm this build does not know (from a newer control plane) is refused, so
            // the node keeps balancing by its last good snapshot.
            PolicyRules.check(problems, path + ".policy", service.getPolicy(), service.getEndpointsCount(),
                    PolicyRules.Origin.SNAPSHOT);
            checkEndpoints(problems, path, service);
        }
        PolicyRules.checkTcpPorts(problems, snapshot.getServicesList());
        for (int i = 0; i < snapshot.getRoutesCount(); i++) {
            checkRoute(problems, "routes[" + i + "]", snapshot.getRoutes(i), serviceIndex);
        }
        String defaultService = snapshot.getDefaultService();
        if (!defaultService.isEmpty() && !serviceIndex.containsKey(defaultService)) {
            problems.add(Checks.message("default_service", defaultService, "\"\" or the name of a service in this snapshot"));
        }
        return problems;
    }

    /**
     * A uint64 counter must be >= 1; values >= 2^63 (negative as a Java long) are refused too,
     * because the fence compares them as signed longs.
     */
    private static void checkCounter(List<String> problems, String field, long value) {
        if (value == 0) {
            problems.add(Checks.message(field, 0, ">= 1"));
        } else if (value < 0) {
            problems.add(Checks.message(field, new BigInteger(Long.toUnsignedString(value)), "1.." + Long.MAX_VALUE));
        }
    }

    private static void checkEndpoints(List<String> problems, String servicePath, Service service) {
        Map<String, Integer> idIndex = new HashMap<>();
        for (int j = 0; j < service.getEndpointsCount(); j++) {
            Endpoint endpoint = service.getEndpoints(j);
            String path = servicePath + ".endpoints[" + j + "]";
            String id = endpoint.getId();
            if (!Checks.ID.matcher(id).matches()) {
                problems.add(Checks.message(path + ".id", id, Checks.ID.pattern()));
            } else {
                Integer first = idIndex.putIfAbsent(id, j);
                if (first != null) {
                    problems.add(Checks.message(path + ".id", id,
                            "unique within the service, already used by " + servicePath + ".endpoints[" + first + "]"));
                }
            }
            if (endpoint.getHost().isBlank()) {
                problems.add(Checks.message(path + ".host", endpoint.getHost(), "a non-empty string"));
            }
            long port = Integer.toUnsignedLong(endpoint.getPort());
            if (port < 1 || port > 65_535) {
                problems.add(Checks.message(path + ".port", port, "1..65535"));
            }
            long weight = Integer.toUnsignedLong(endpoint.getWeight());
            if (weight > Checks.MAX_WEIGHT) {
                problems.add(Checks.message(path + ".weight", weight, "0.." + Checks.MAX_WEIGHT));
            }
            EndpointState state = endpoint.getState();
            if (state != EndpointState.ACTIVE && state != EndpointState.DRAINING && state != EndpointState.EJECTED
                    && state != EndpointState.SUSPECT) {
                // An unknown number (from a newer control plane) is shown as the number.
                Object shown = state == EndpointState.UNRECOGNIZED ? (Object) endpoint.getStateValue() : state;
                problems.add(Checks.message(path + ".state", shown, "ACTIVE, DRAINING, EJECTED or SUSPECT"));
            }
            if (endpoint.getMetadataCount() > MAX_METADATA) {
                // Not Checks.message: a count is not a quoted value.
                problems.add(path + ".metadata: " + endpoint.getMetadataCount() + " entries (expected: at most " + MAX_METADATA + ")");
            }
        }
    }

    private static void checkRoute(List<String> problems, String path, Route route, Map<String, Integer> serviceIndex) {
        if (!route.getPathPrefix().startsWith("/")) {
            problems.add(Checks.message(path + ".path_prefix", route.getPathPrefix(), "a path starting with \"/\""));
        }
        if (route.getSplitCount() == 0) {
            if (!serviceIndex.containsKey(route.getService())) {
                problems.add(Checks.message(path + ".service", route.getService(), "the name of a service in this snapshot"));
            }
            return;
        }
        for (int i = 0; i < route.getSplitCount(); i++) {
            WeightedService split = route.getSplit(i);
            String at = path + ".split[" + i + "]";
            if (!serviceIndex.containsKey(split.getService())) {
                problems.add(Checks.message(at + ".service", split.getService(), "the name of a service in this snapshot"));
            }
            long weight = Integer.toUnsignedLong(split.getWeight());
            if (weight < 1 || weight > Checks.MAX_WEIGHT) {
                problems.add(Checks.message(at + ".weight", weight, "1.." + Checks.MAX_WEIGHT));
            }
        }
    }
}
