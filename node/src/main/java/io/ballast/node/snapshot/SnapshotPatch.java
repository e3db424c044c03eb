package io.ballast.node.snapshot;

import io.ballast.common.config.Checks;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.ServiceDelta;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotDelta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies a {@link SnapshotDelta} to the node's applied snapshot and yields the full snapshot it
 * describes, which then takes the same validate, fence, apply and store path as a pushed full
 * snapshot (see {@link SnapshotApplier#offer(SnapshotDelta)}).
 *
 * <p>Pure and stateless; any thread. A delta that does not fit the applied snapshot is a value,
 * not an exception: {@link Result#error()} names every problem in the {@link Checks} style, e.g.
 * {@code base_version: 41 (expected: the applied version 40)}, and the node NACKs it (the leader
 * then sends the full snapshot). The result lists services by name and endpoints by id, the
 * order the leader's full snapshots have (see {@code control.proto}).
 */
public final class SnapshotPatch {

    private SnapshotPatch() {}

    /**
     * The snapshot {@code delta} turns {@code applied} into, or why it cannot.
     *
     * @param snapshot the full resulting snapshot, null when {@code error} is set
     * @param error every problem, joined by "; ", empty when {@code snapshot} is set
     */
    public record Result(Snapshot snapshot, String error) {
        static Result of(Snapshot snapshot) {
            return new Result(snapshot, "");
        }

        static Result refused(List<String> problems) {
            return new Result(null, String.join("; ", problems));
        }

        public boolean ok() {
            return snapshot != null;
        }
    }

    /** @param applied the node's applied snapshot, null when it has none */
    public static Result apply(Snapshot applied, SnapshotDelta delta) {
        if (applied == null) {
            return Result.refused(List.of(Checks.message("base_version", delta.getBaseVersion(),
                    "a full snapshot first: none is applied")));
        }
        List<String> problems = new ArrayList<>();
        if (delta.getEpoch() != applied.getEpoch()) {
            problems.add(Checks.message("epoch", delta.getEpoch(), "the applied epoch " + applied.getEpoch()));
        }
        if (delta.getBaseVersion() != applied.getVersion()) {
            problems.add(Checks.message("base_version", delta.getBaseVersion(), "the applied version " + applied.getVersion()));
        }
        if (!problems.isEmpty()) {
            return Result.refused(problems);
        }
        Map<String, Service> services = new TreeMap<>();
        applied.getServicesList().forEach(service -> services.put(service.getName(), service));
        for (int i = 0; i < delta.getRemovedServicesCount(); i++) {
            String name = delta.getRemovedServices(i);
            if (services.remove(name) == null) {
                problems.add(Checks.message("removed_services[" + i + "]", name, "a service of the applied snapshot"));
            }
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < delta.getServicesCount(); i++) {
            ServiceDelta change = delta.getServices(i);
            String path = "services[" + i + "]";
            Integer first = seen.putIfAbsent(change.getName(), i);
            if (first != null) {
                problems.add(Checks.message(path + ".name", change.getName(), "unique, already used by services[" + first + "]"));
                continue;
            }
            if (change.hasReplacement()) {
                if (!change.getReplacement().getName().equals(change.getName())) {
                    problems.add(Checks.message(path + ".replacement.name", change.getReplacement().getName(),
                            "the name \"" + change.getName() + "\""));
                }
                services.put(change.getName(), change.getReplacement());
                continue;
            }
            Service base = services.get(change.getName());
            if (base == null) {
                problems.add(Checks.message(path + ".name", change.getName(),
                        "a service of the applied snapshot, or a replacement"));
                continue;
            }
            services.put(change.getName(), patch(base, change, path, problems));
        }
        if (!problems.isEmpty()) {
            return Result.refused(problems);
        }
        // toBuilder keeps what a delta does not carry (fields of a newer schema), as the leader's diff assumes.
        return Result.of(applied.toBuilder()
                .setEpoch(delta.getEpoch())
                .setVersion(delta.getVersion())
                .setComputedAtUnixMillis(delta.getComputedAtUnixMillis())
                .clearServices().addAllServices(services.values())
                .clearRoutes().addAllRoutes(delta.hasRoutes() ? delta.getRoutes().getRoutesList() : applied.getRoutesList())
                .setDefaultService(delta.hasDefaultService() ? delta.getDefaultService() : applied.getDefaultService())
                .build());
    }

    private static Service patch(Service base, ServiceDelta change, String path, List<String> problems) {
        Map<String, Endpoint> endpoints = new TreeMap<>();
        base.getEndpointsList().forEach(endpoint -> endpoints.put(endpoint.getId(), endpoint));
        for (int k = 0; k < change.getRemovedEndpointIdsCount(); k++) {
            String id = change.getRemovedEndpointIds(k);
            if (endpoints.remove(id) == null) {
                problems.add(Checks.message(path + ".removed_endpoint_ids[" + k + "]", id, "an endpoint of the applied service"));
            }
        }
        change.getUpsertedEndpointsList().forEach(endpoint -> endpoints.put(endpoint.getId(), endpoint));
        Service.Builder patched = base.toBuilder().clearEndpoints().addAllEndpoints(endpoints.values());
        if (change.hasPolicy()) {
            patched.setPolicy(change.getPolicy());
        }
        return patched.build();
    }
}
