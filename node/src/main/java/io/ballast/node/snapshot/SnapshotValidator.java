package io.ballast.node.snapshot;

import io.ballast.common.config.Checks;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.LbAlgorithm;
import java.util.EnumSet;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
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

    static final int MAX_CHOICE_COUNT = 10;

    private static final java.util.Set<LbAlgorithm> SUPPORTED_ALGORITHMS = EnumSet.of(
            LbAlgorithm.LB_ALGORITHM_UNSPECIFIED, LbAlgorithm.ROUND_ROBIN, LbAlgorithm.WEIGHTED_ROUND_ROBIN, LbAlgorithm.RANDOM,
            LbAlgorithm.LEAST_CONNECTIONS, LbAlgorithm.LEAST_REQUEST);


    static final int MAX_METADATA = 32;
    static final int MAX_CONNECT_TIMEOUT_MILLIS = 60_000;
    static final int MAX_RESPONSE_TIMEOUT_MILLIS = 3_600_000;
    static final int MAX_CONNECT_RETRIES = 5;

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
            checkPolicy(problems, path + ".policy", service.getPolicy());
            checkEndpoints(problems, path, service);
        }
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

    private static void checkPolicy(List<String> problems, String path, Policy policy) {
        // Only the algorithms this node implements: a snapshot from a newer control plane that
        // names another one is refused (NACK), so the node keeps balancing by its last good one.
        if (!SUPPORTED_ALGORITHMS.contains(policy.getAlgorithm())) {
            problems.add(Checks.message(path + ".algorithm", policy.getAlgorithmValue(), "LB_ALGORITHM_UNSPECIFIED, ROUND_ROBIN, WEIGHTED_ROUND_ROBIN, RANDOM, LEAST_CONNECTIONS or LEAST_REQUEST"));
        }
        checkOptionalRange(problems, path + ".connect_timeout_millis", policy.getConnectTimeoutMillis(), MAX_CONNECT_TIMEOUT_MILLIS);
        checkOptionalRange(problems, path + ".response_timeout_millis", policy.getResponseTimeoutMillis(), MAX_RESPONSE_TIMEOUT_MILLIS);
        long retries = Integer.toUnsignedLong(policy.getConnectRetries());
        if (retries > MAX_CONNECT_RETRIES) {
            problems.add(Checks.message(path + ".connect_retries", retries, "0.." + MAX_CONNECT_RETRIES));
        }
        long choices = Integer.toUnsignedLong(policy.getChoiceCount());
        if (choices == 1 || choices > MAX_CHOICE_COUNT) {
            problems.add(Checks.message(path + ".choice_count", choices, "0 (default 2) or 2.." + MAX_CHOICE_COUNT));
        }
    }

    /** A uint32 where 0 means "default" and anything else must be in 1..max. */
    private static void checkOptionalRange(List<String> problems, String field, int rawValue, long max) {
        long value = Integer.toUnsignedLong(rawValue);
        if (value > max) {
            problems.add(Checks.message(field, value, "0 (default) or 1.." + max));
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
            if (state != EndpointState.ACTIVE && state != EndpointState.DRAINING) {
                // An unknown number (from a newer control plane) is shown as the number.
                Object shown = state == EndpointState.UNRECOGNIZED ? (Object) endpoint.getStateValue() : state;
                problems.add(Checks.message(path + ".state", shown, "ACTIVE or DRAINING"));
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
        if (!serviceIndex.containsKey(route.getService())) {
            problems.add(Checks.message(path + ".service", route.getService(), "the name of a service in this snapshot"));
        }
    }
}
