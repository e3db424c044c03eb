package io.ballast.controlplane.events;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.proto.v1.Event;
import io.ballast.proto.v1.ServicePolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * The events between two {@link ClusterState}s: what a replica's caches saw change, in a stable
 * order (registrations, overrides, policies, routes, nodes). A load report alone is not an event
 * (it changes every heartbeat); a change of address, zone, declared weight or metadata is.
 *
 * <p>Pure; any thread. Costs O(services + endpoints of the services that changed): an unchanged
 * service is the same map instance in both states and is skipped.
 */
public final class ClusterEvents {

    private ClusterEvents() {}

    public static List<Event> diff(ClusterState before, ClusterState after, long nowMillis, String observer) {
        List<Event> events = new ArrayList<>();
        Builder b = new Builder(events, nowMillis, observer);
        TreeSet<String> services = new TreeSet<>(before.registrations().keySet());
        services.addAll(after.registrations().keySet());
        for (String service : services) {
            SortedMap<String, BackendRegistration> was = before.registrations().getOrDefault(service, Collections.emptySortedMap());
            SortedMap<String, BackendRegistration> is = after.registrations().getOrDefault(service, Collections.emptySortedMap());
            if (was == is) {
                continue; // unchanged: ClusterState carries an untouched service over as the same map
            }
            TreeSet<String> ids = new TreeSet<>(was.keySet());
            ids.addAll(is.keySet());
            for (String id : ids) {
                BackendRegistration old = was.get(id);
                BackendRegistration now = is.get(id);
                if (old == null) {
                    java.util.Optional<String> refused = after.refusal(now);
                    if (refused.isPresent()) {
                        b.add("registration_refused", service, id, refused.get());
                    } else {
                        b.add("registered", service, id, now.host() + ":" + now.port() + " weight " + now.weight()
                                + (now.zone().isEmpty() ? "" : " zone " + now.zone()));
                    }
                } else if (now == null) {
                    b.add("deregistered", service, id, old.host() + ":" + old.port());
                } else if (old.draining() != now.draining()) {
                    b.add(now.draining() ? "agent_draining" : "agent_undraining", service, id,
                            now.draining() ? "the agent is stopping: draining before it deregisters" : "the agent stays");
                } else if (!old.withLoad(null).equals(now.withLoad(null))) {
                    b.add("backend_changed", service, id, old.host() + ":" + old.port() + " weight " + old.weight() + " -> "
                            + now.host() + ":" + now.port() + " weight " + now.weight());
                }
            }
        }
        TreeSet<String> overridden = new TreeSet<>(before.overrides().keySet());
        overridden.addAll(after.overrides().keySet());
        for (String service : overridden) {
            Map<String, EndpointOverride> was = before.overrides().getOrDefault(service, Collections.emptySortedMap());
            Map<String, EndpointOverride> is = after.overrides().getOrDefault(service, Collections.emptySortedMap());
            if (was == is) {
                continue;
            }
            TreeSet<String> ids = new TreeSet<>(was.keySet());
            ids.addAll(is.keySet());
            for (String id : ids) {
                EndpointOverride old = was.getOrDefault(id, EndpointOverride.NONE);
                EndpointOverride now = is.getOrDefault(id, EndpointOverride.NONE);
                if (!old.equals(now)) {
                    b.add("override_changed", service, id, describe(old) + " -> " + describe(now));
                }
            }
        }
        TreeSet<String> policies = new TreeSet<>(before.policies().keySet());
        policies.addAll(after.policies().keySet());
        for (String service : policies) {
            ServicePolicy old = before.policies().get(service);
            ServicePolicy now = after.policies().get(service);
            if (now == null) {
                b.add("policy_removed", service, "", "back to the defaults");
            } else if (!now.equals(old)) {
                b.add("policy_changed", service, "", now.getAlgorithm().name() + " "
                        + com.google.protobuf.TextFormat.shortDebugString(now.getSettings()));
            }
        }
        if (!before.routes().equals(after.routes())) {
            b.add("routes_changed", "", "", after.routes().size() + " operator routes");
        }
        for (String node : after.nodes()) {
            if (!before.nodes().contains(node)) {
                b.add("node_joined", "", node, "");
            }
        }
        for (String node : before.nodes()) {
            if (!after.nodes().contains(node)) {
                b.add("node_left", "", node, "");
            }
        }
        return events;
    }

    /** "weight 7, drained", "declared weight", or "none". */
    public static String describe(EndpointOverride override) {
        if (override.isEmpty()) {
            return "none";
        }
        return (override.weight() != null ? "weight " + override.weight() : "declared weight")
                + (override.drained() ? ", drained" : "") + (override.hasEjection() ? ", ejected (" + override.ejected() + ")" : "");
    }

    private record Builder(List<Event> events, long now, String observer) {
        void add(String kind, String service, String id, String detail) {
            events.add(Event.newBuilder().setAtUnixMillis(now).setKind(kind).setService(service)
                    .setId(Objects.requireNonNullElse(id, "")).setDetail(detail).setObservedBy(observer).build());
        }
    }
}
