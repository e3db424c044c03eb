package io.ballast.controlplane.snapshot;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.RouteList;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.ServiceDelta;
import io.ballast.proto.v1.Snapshot;
import io.ballast.proto.v1.SnapshotDelta;
import java.util.List;
import java.util.Optional;

/**
 * The {@link SnapshotDelta} that turns one snapshot of an epoch into a later one, as the node's
 * {@code SnapshotPatch} applies it: changed services as endpoint-level changes (or whole, when that
 * is smaller or the service is new), removed service names, routes and default service when they
 * changed. Its size depends on what changed, not on the size of the cluster.
 *
 * <p>Pure and stateless; any thread. "No delta" is a value, not an error: {@link #between} is
 * empty whenever the node must get the full snapshot instead: other epochs, a version that does
 * not grow, snapshots not in canonical order (services by name, endpoints by id, each unique,
 * which the node's patch relies on to rebuild the same lists), fields this class does not know
 * (a newer schema) that differ, or a delta not smaller than the full snapshot.
 */
public final class SnapshotDiff {

    private SnapshotDiff() {}

    /** The delta from {@code base} to {@code target}, or empty when {@code target} must be sent whole. */
    public static Optional<SnapshotDelta> between(Snapshot base, Snapshot target) {
        if (base.getEpoch() != target.getEpoch() || target.getVersion() <= base.getVersion()
                || !canonical(base) || !canonical(target) || !rest(base).equals(rest(target))) {
            return Optional.empty();
        }
        SnapshotDelta.Builder delta = SnapshotDelta.newBuilder()
                .setEpoch(target.getEpoch())
                .setVersion(target.getVersion())
                .setBaseVersion(base.getVersion())
                .setComputedAtUnixMillis(target.getComputedAtUnixMillis());
        List<Service> before = base.getServicesList();
        List<Service> after = target.getServicesList();
        int i = 0;
        int j = 0;
        while (i < before.size() || j < after.size()) {
            int order = i == before.size() ? 1 : j == after.size() ? -1
                    : before.get(i).getName().compareTo(after.get(j).getName());
            if (order < 0) {
                delta.addRemovedServices(before.get(i++).getName());
            } else if (order > 0) {
                Service added = after.get(j++);
                delta.addServices(ServiceDelta.newBuilder().setName(added.getName()).setReplacement(added));
            } else {
                Service was = before.get(i++);
                Service is = after.get(j++);
                if (!was.equals(is)) {
                    delta.addServices(serviceDelta(was, is));
                }
            }
        }
        if (!base.getRoutesList().equals(target.getRoutesList())) {
            delta.setRoutes(RouteList.newBuilder().addAllRoutes(target.getRoutesList()));
        }
        if (!base.getDefaultService().equals(target.getDefaultService())) {
            delta.setDefaultService(target.getDefaultService());
        }
        SnapshotDelta built = delta.build();
        return built.getSerializedSize() < target.getSerializedSize() ? Optional.of(built) : Optional.empty();
    }

    /** Endpoint-level changes of a service present in both, or the whole service when that is smaller or needed. */
    private static ServiceDelta serviceDelta(Service was, Service is) {
        ServiceDelta whole = ServiceDelta.newBuilder().setName(is.getName()).setReplacement(is).build();
        if (!restOf(was).equals(restOf(is)) || (was.hasPolicy() && !is.hasPolicy())) {
            return whole; // a change endpoint-level changes cannot express
        }
        ServiceDelta.Builder changes = ServiceDelta.newBuilder().setName(is.getName());
        if (!was.getPolicy().equals(is.getPolicy()) || was.hasPolicy() != is.hasPolicy()) {
            changes.setPolicy(is.getPolicy());
        }
        List<Endpoint> before = was.getEndpointsList();
        List<Endpoint> after = is.getEndpointsList();
        int i = 0;
        int j = 0;
        while (i < before.size() || j < after.size()) {
            int order = i == before.size() ? 1 : j == after.size() ? -1
                    : before.get(i).getId().compareTo(after.get(j).getId());
            if (order < 0) {
                changes.addRemovedEndpointIds(before.get(i++).getId());
            } else if (order > 0) {
                changes.addUpsertedEndpoints(after.get(j++));
            } else {
                Endpoint endpoint = after.get(j++);
                if (!before.get(i++).equals(endpoint)) {
                    changes.addUpsertedEndpoints(endpoint);
                }
            }
        }
        ServiceDelta built = changes.build();
        return built.getSerializedSize() < whole.getSerializedSize() ? built : whole;
    }

    /** Services strictly ascending by name, each service's endpoints strictly ascending by id. */
    static boolean canonical(Snapshot snapshot) {
        List<Service> services = snapshot.getServicesList();
        for (int i = 0; i < services.size(); i++) {
            if (i > 0 && services.get(i - 1).getName().compareTo(services.get(i).getName()) >= 0) {
                return false;
            }
            List<Endpoint> endpoints = services.get(i).getEndpointsList();
            for (int k = 1; k < endpoints.size(); k++) {
                if (endpoints.get(k - 1).getId().compareTo(endpoints.get(k).getId()) >= 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** What a delta does not carry: must be equal on both sides (unknown fields included). */
    private static Snapshot rest(Snapshot snapshot) {
        return snapshot.toBuilder().clearEpoch().clearVersion().clearComputedAtUnixMillis().clearServices()
                .clearRoutes().clearDefaultService().build();
    }

    private static Service restOf(Service service) {
        return service.toBuilder().clearPolicy().clearEndpoints().build();
    }
}
