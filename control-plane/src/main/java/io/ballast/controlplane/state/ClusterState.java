package io.ballast.controlplane.state;

import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.ImmutableSortedSet;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.ServicePolicy;
import java.util.List;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the control plane knows from ZooKeeper: valid registrations and operator overrides,
 * each by service then endpoint id, both sorted by key. Immutable: every {@code with...}
 * returns a new value, so the one thread that owns the state can publish it through a
 * volatile field to readers on any thread.
 *
 * <p>Why Guava's immutable maps: a {@code with...} copies only the service it changes and the
 * outer map; every other service's map is carried over as the same instance
 * ({@link ImmutableSortedMap#copyOf} returns an immutable map as it is). Whoever compares two
 * states (events, weights, health) skips an unchanged service by identity, so a change costs
 * O(size of its service), not O(cluster).
 *
 * @param registrations valid {@code backends/<service>/<id>} payloads
 * @param overrides non-empty {@code config/endpoints/<service>/<id>} payloads
 * @param policies valid {@code config/services/<service>} payloads, by service
 * @param routes the operator's routes from {@code config/routes}, in order (empty when none)
 * @param nodes ids of the live data-plane nodes ({@code nodes/<id>}), which share each rate limit
 */
public record ClusterState(
        SortedMap<String, SortedMap<String, BackendRegistration>> registrations,
        SortedMap<String, SortedMap<String, EndpointOverride>> overrides,
        SortedMap<String, ServicePolicy> policies,
        List<Route> routes,
        SortedSet<String> nodes) {

    public static final ClusterState EMPTY = new ClusterState(new TreeMap<>(), new TreeMap<>(), new TreeMap<>());

    public ClusterState {
        registrations = freeze(registrations);
        overrides = freeze(overrides);
        policies = ImmutableSortedMap.copyOf(policies);
        routes = List.copyOf(routes);
        nodes = ImmutableSortedSet.copyOf(nodes);
    }

    /** Without operator routes and live nodes. */
    public ClusterState(SortedMap<String, SortedMap<String, BackendRegistration>> registrations,
                        SortedMap<String, SortedMap<String, EndpointOverride>> overrides,
                        SortedMap<String, ServicePolicy> policies) {
        this(registrations, overrides, policies, List.of(), new TreeSet<>());
    }

    public ClusterState withRoutes(List<Route> newRoutes) {
        return new ClusterState(registrations, overrides, policies, newRoutes, nodes);
    }

    public ClusterState withNode(String id) {
        TreeSet<String> copy = new TreeSet<>(nodes);
        copy.add(id);
        return new ClusterState(registrations, overrides, policies, routes, copy);
    }

    public ClusterState withoutNode(String id) {
        if (!nodes.contains(id)) {
            return this;
        }
        TreeSet<String> copy = new TreeSet<>(nodes);
        copy.remove(id);
        return new ClusterState(registrations, overrides, policies, routes, copy);
    }

    public ClusterState withRegistration(String service, String id, BackendRegistration registration) {
        return new ClusterState(put(registrations, service, id, registration), overrides, policies, routes, nodes);
    }

    public ClusterState withoutRegistration(String service, String id) {
        return new ClusterState(remove(registrations, service, id), overrides, policies, routes, nodes);
    }

    public ClusterState withPolicy(String service, ServicePolicy policy) {
        TreeMap<String, ServicePolicy> copy = new TreeMap<>(policies);
        copy.put(service, policy);
        return new ClusterState(registrations, overrides, copy, routes, nodes);
    }

    public ClusterState withoutPolicy(String service) {
        if (!policies.containsKey(service)) {
            return this;
        }
        TreeMap<String, ServicePolicy> copy = new TreeMap<>(policies);
        copy.remove(service);
        return new ClusterState(registrations, overrides, copy, routes, nodes);
    }

    /**
     * Why a registration is ignored: its address is outside its service's allowed networks
     * ({@code ServicePolicy.allowed_backend_networks}); empty when it is admitted.
     */
    public Optional<String> refusal(BackendRegistration registration) {
        return policy(registration.service()).flatMap(policy ->
                io.ballast.common.policy.AddressRules.violation(registration.host(), policy.getAllowedBackendNetworksList()));
    }

    /** The operator's policy of {@code service}, empty when none is set. */
    public Optional<ServicePolicy> policy(String service) {
        return Optional.ofNullable(policies.get(service));
    }

    /** Sets an override; an {@linkplain EndpointOverride#isEmpty() empty} one removes it. */
    public ClusterState withOverride(String service, String id, EndpointOverride override) {
        return override.isEmpty()
                ? withoutOverride(service, id)
                : new ClusterState(registrations, put(overrides, service, id, override), policies, routes, nodes);
    }

    public ClusterState withoutOverride(String service, String id) {
        return new ClusterState(registrations, remove(overrides, service, id), policies, routes, nodes);
    }

    public Optional<BackendRegistration> registration(String service, String id) {
        return Optional.ofNullable(registrations.getOrDefault(service, Collections.emptySortedMap()).get(id));
    }

    /**
     * The override as the snapshot applies it: an agent that is stopping (its registration says
     * draining) drains its endpoint as an operator's drain would.
     */
    public EndpointOverride effectiveOverride(String service, String id) {
        EndpointOverride override = override(service, id);
        boolean agentDraining = registration(service, id).map(BackendRegistration::draining).orElse(false);
        return agentDraining && !override.drained() ? new EndpointOverride(override.weight(), true, override.ejected()) : override;
    }

    /** The override of an endpoint, {@link EndpointOverride#NONE} when there is none. */
    public EndpointOverride override(String service, String id) {
        return overrides.getOrDefault(service, Collections.emptySortedMap()).getOrDefault(id, EndpointOverride.NONE);
    }

    /** Services with a registration or an override, sorted. */
    public SortedSet<String> knownServices() {
        SortedSet<String> services = new TreeSet<>(registrations.keySet());
        services.addAll(overrides.keySet());
        return Collections.unmodifiableSortedSet(services);
    }

    /** Endpoint ids of {@code service} with a registration or an override, sorted. */
    public SortedSet<String> knownIds(String service) {
        SortedSet<String> ids = new TreeSet<>(registrations.getOrDefault(service, Collections.emptySortedMap()).keySet());
        ids.addAll(overrides.getOrDefault(service, Collections.emptySortedMap()).keySet());
        return Collections.unmodifiableSortedSet(ids);
    }

    private static <V> SortedMap<String, SortedMap<String, V>> put(
            SortedMap<String, SortedMap<String, V>> map, String service, String id, V value) {
        TreeMap<String, SortedMap<String, V>> copy = new TreeMap<>(map);
        TreeMap<String, V> inner = new TreeMap<>(map.getOrDefault(service, Collections.emptySortedMap()));
        inner.put(id, value);
        copy.put(service, inner);
        return copy;
    }

    private static <V> SortedMap<String, SortedMap<String, V>> remove(
            SortedMap<String, SortedMap<String, V>> map, String service, String id) {
        SortedMap<String, V> current = map.get(service);
        if (current == null || !current.containsKey(id)) {
            return map;
        }
        TreeMap<String, SortedMap<String, V>> copy = new TreeMap<>(map);
        TreeMap<String, V> inner = new TreeMap<>(current);
        inner.remove(id);
        if (inner.isEmpty()) {
            copy.remove(service);
        } else {
            copy.put(service, inner);
        }
        return copy;
    }

    private static <V> SortedMap<String, SortedMap<String, V>> freeze(Map<String, ? extends Map<String, V>> map) {
        if (map instanceof ImmutableSortedMap<?, ?> && map.values().stream().allMatch(ClusterState::frozenAndNonEmpty)) {
            @SuppressWarnings("unchecked") // immutable: the wider type is safe to read
            SortedMap<String, SortedMap<String, V>> same = (SortedMap<String, SortedMap<String, V>>) map;
            return same;
        }
        ImmutableSortedMap.Builder<String, SortedMap<String, V>> copy = ImmutableSortedMap.naturalOrder();
        map.forEach((service, inner) -> {
            if (!inner.isEmpty()) {
                copy.put(service, ImmutableSortedMap.copyOf(inner)); // the same instance when already immutable
            }
        });
        return copy.build();
    }

    private static boolean frozenAndNonEmpty(Map<?, ?> inner) {
        return inner instanceof ImmutableSortedMap<?, ?> && !inner.isEmpty();
    }
}
