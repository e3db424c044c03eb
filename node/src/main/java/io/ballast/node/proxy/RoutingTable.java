package io.ballast.node.proxy;

import io.ballast.node.metrics.NodeMetrics;
import io.ballast.node.metrics.ServiceMetrics;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The immutable routing view of one snapshot: compiled routes, one {@link ServiceTarget} (with
 * its picker) per service, and the set of live backend addresses. Built once per applied
 * snapshot off the event loops, then read by every event loop without locks through a volatile
 * reference. {@link #route} allocates nothing on the matching path.
 */
final class RoutingTable {

    private record CompiledRoute(String host, String pathPrefix, RouteResult target) {
        boolean matches(String hostHeader, int hostLength, String path) {
            boolean hostOk = host == null
                    || (host.length() == hostLength && host.regionMatches(true, 0, hostHeader, 0, hostLength));
            return hostOk && path.startsWith(pathPrefix);
        }
    }

    private final long epoch;
    private final long version;
    private final CompiledRoute[] routes;
    private final RouteResult fallback; // null: answer 404
    private final Map<String, ServiceTarget> services;
    private final Set<BackendAddress> liveAddresses;

    private RoutingTable(long epoch, long version, CompiledRoute[] routes, RouteResult fallback,
                         Map<String, ServiceTarget> services, Set<BackendAddress> liveAddresses) {
        this.epoch = epoch;
        this.version = version;
        this.routes = routes;
        this.fallback = fallback;
        this.services = services;
        this.liveAddresses = liveAddresses;
    }

    /** Like {@link #from(Snapshot, int)} for a single event loop (tests). */
    static RoutingTable from(Snapshot snapshot) {
        return from(snapshot, 1);
    }

    /**
     * The snapshot is trusted (validated by the caller); unknown service names still fail safe with 503.
     *
     * @param loops number of I/O event loops that will read this table: each service gets one picker per loop
     */
    static RoutingTable from(Snapshot snapshot, int loops) {
        return from(snapshot, loops, "", null);
    }

    /**
     * @param nodeZone this node's zone, for services with locality; empty when unknown
     * @param previous the table this one replaces (its rate-limit buckets carry over), or null
     */
    static RoutingTable from(Snapshot snapshot, int loops, String nodeZone, RoutingTable previous) {
        return from(snapshot, loops, nodeZone, previous, null);
    }

    /** @param metrics where each service's meters are resolved; null records nothing (tests) */
    static RoutingTable from(Snapshot snapshot, int loops, String nodeZone, RoutingTable previous, NodeMetrics metrics) {
        return from(snapshot, loops, nodeZone, previous, metrics, null);
    }

    /**
     * @param health the node's failure state (ejections, budgets) that the services' targets share
     *               across tables; null gives every target state of its own (tests)
     */
    static RoutingTable from(Snapshot snapshot, int loops, String nodeZone, RoutingTable previous, NodeMetrics metrics,
                             HealthRegistry health) {
        Map<String, ServiceTarget> services = new HashMap<>();
        Set<BackendAddress> live = new HashSet<>();
        for (Service service : snapshot.getServicesList()) {
            ServiceTarget target = ServiceTarget.of(service, loops, nodeZone,
                    previous == null ? null : previous.service(service.getName()), metrics, health);
            services.put(service.getName(), target);
            // Panic routing may reach any routable endpoint: keep its pooled connections too.
            for (EndpointHealth endpoint : target.health()) {
                live.add(endpoint.address);
            }
        }
        List<Route> source = snapshot.getRoutesList();
        CompiledRoute[] routes = new CompiledRoute[source.size()];
        for (int i = 0; i < routes.length; i++) {
            Route route = source.get(i);
            String host = route.getHost().isEmpty() || "*".equals(route.getHost()) ? null : route.getHost();
            routes[i] = new CompiledRoute(host, route.getPathPrefix(), route.getSplitCount() == 0
                    ? targetOf(services, route.getService()) : splitOf(services, route));
        }
        RouteResult fallback = snapshot.getDefaultService().isEmpty()
                ? null : targetOf(services, snapshot.getDefaultService());
        return new RoutingTable(snapshot.getEpoch(), snapshot.getVersion(), routes, fallback,
                Map.copyOf(services), Set.copyOf(live));
    }

    private static RouteResult splitOf(Map<String, ServiceTarget> services, Route route) {
        RouteResult[] targets = new RouteResult[route.getSplitCount()];
        long[] cumulative = new long[targets.length];
        long total = 0;
        for (int i = 0; i < targets.length; i++) {
            targets[i] = targetOf(services, route.getSplit(i).getService());
            total += Math.max(1, route.getSplit(i).getWeight()); // validated 1..10000
            cumulative[i] = total;
        }
        return new RouteResult.Split(targets, cumulative);
    }

    private static RouteResult targetOf(Map<String, ServiceTarget> services, String name) {
        ServiceTarget target = services.get(name);
        return target != null ? target
                : new RouteResult.Rejection(HttpResponseStatus.SERVICE_UNAVAILABLE, "service " + name + ": not in snapshot");
    }

    /**
     * The first route whose host (case-insensitive, port ignored) and path prefix match, else the
     * default service, else a 404 rejection naming host and path. A weighted split is resolved
     * here, so the result is never a {@link RouteResult.Split}.
     *
     * @param hostHeader the request's Host header, may carry a port; null if absent
     * @param path the request path (origin-form URI)
     */
    RouteResult route(String hostHeader, String path) {
        String host = hostHeader == null ? "" : hostHeader;
        int hostLength = hostLength(host);
        for (CompiledRoute route : routes) {
            if (route.matches(host, hostLength, path)) {
                RouteResult target = route.target();
                return target instanceof RouteResult.Split split ? split.pick() : target;
            }
        }
        if (fallback != null) {
            return fallback;
        }
        return new RouteResult.Rejection(HttpResponseStatus.NOT_FOUND,
                "no route for host \"" + host.substring(0, hostLength) + "\" path \"" + path + "\" and no default service");
    }

    /** Length of the host part of a Host header: drops ":port", keeps IPv6 brackets. */
    static int hostLength(String host) {
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            return close < 0 ? host.length() : close + 1;
        }
        int colon = host.lastIndexOf(':');
        return colon >= 0 && host.indexOf(':') == colon ? colon : host.length();
    }

    /** Whether some service still sends new requests to this address; pooled connections to others are closed. */
    boolean isLive(BackendAddress address) {
        return liveAddresses.contains(address);
    }

    /** Every service of this table. */
    java.util.Collection<ServiceTarget> services() {
        return services.values();
    }

    ServiceTarget service(String name) {
        return services.get(name);
    }

    /** The meters of every service of this table (the series {@link NodeMetrics#retain} keeps). */
    List<ServiceMetrics> serviceMetrics() {
        return services.values().stream().map(ServiceTarget::metrics).toList();
    }

    long epoch() {
        return epoch;
    }

    long version() {
        return version;
    }

    @Override
    public String toString() {
        return "RoutingTable{epoch=" + epoch + ", version=" + version + ", routes=" + routes.length
                + ", services=" + services.keySet() + "}";
    }
}
