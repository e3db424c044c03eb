package io.ballast.node.proxy;

import io.ballast.proto.v1.EndpointOutcomes;
import io.ballast.proto.v1.HashKey;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP proxy's balancing machinery — pickers per event loop, locality, local outlier ejection,
 * panic routing, the rate-limit bucket — for callers that balance whole connections instead of
 * requests: the TCP listeners ({@code io.ballast.node.proxy.tcp}). It builds the same
 * {@link ServiceTarget}s the HTTP path uses, through {@link RoutingTable#from}, over the services
 * of a snapshot that have {@code policy.tcp}, and keeps a {@link HealthRegistry} of its own so
 * ejections survive snapshots exactly as for HTTP.
 *
 * <p>Who calls it and on which thread: {@link #build} runs on the thread that applies snapshots,
 * one call at a time, never on an event loop; {@link #outcomes} on the reporter thread. The
 * methods of a {@link Target} that take a {@code loop} run only on the event loop with that index
 * (as {@link ServiceTarget#picker(int)} requires); the others on any thread. Nothing here throws on
 * the data path; {@link #build} trusts a validated snapshot.
 */
public final class ConnectionBalancer {

    private final int loops;
    private final String zone;
    private final HealthRegistry health;

    /**
     * @param loops the caller's I/O event loops, each with its own pickers
     * @param zone this node's zone (locality), empty when unknown
     */
    public ConnectionBalancer(int loops, String zone) {
        this.loops = loops;
        this.zone = zone == null ? "" : zone;
        this.health = new HealthRegistry(loops);
    }

    /** The targets of one snapshot's TCP services; immutable. */
    public static final class Table {
        static final Table EMPTY = new Table(null, Map.of());

        private final RoutingTable routing; // null before the first build
        private final Map<String, Target> targets;

        private Table(RoutingTable routing, Map<String, Target> targets) {
            this.routing = routing;
            this.targets = targets;
        }

        /** The target of {@code service}, or null when it has no TCP listener in this table. */
        public Target target(String service) {
            return targets.get(service);
        }

        public Map<String, Target> targets() {
            return targets;
        }
    }

    /** An empty table, before the first snapshot. */
    public static Table emptyTable() {
        return Table.EMPTY;
    }

    /**
     * The targets of the services of {@code snapshot} that have a TCP listener. A service whose
     * target is unchanged since {@code previous} keeps it (and its per-loop counts and bucket).
     */
    public Table build(Snapshot snapshot, Table previous) {
        List<Service> tcp = new ArrayList<>();
        for (Service service : snapshot.getServicesList()) {
            if (service.getPolicy().hasTcp()) {
                tcp.add(service);
            }
        }
        // Routes and the default service are HTTP's; only the services matter here.
        Snapshot only = Snapshot.newBuilder().setEpoch(snapshot.getEpoch()).setVersion(snapshot.getVersion())
                .addAllServices(tcp).build();
        RoutingTable routing = RoutingTable.from(only, loops, zone, previous.routing, null, health);
        health.retain(routing);
        Map<ServiceTarget, Target> kept = new IdentityHashMap<>();
        previous.targets.values().forEach(t -> kept.put(t.target, t));
        Map<String, Target> targets = new HashMap<>();
        for (ServiceTarget target : routing.services()) {
            Target same = kept.get(target);
            targets.put(target.name(), same != null ? same : new Target(target, loops));
        }
        return new Table(routing, Map.copyOf(targets));
    }

    /** Per backend {@code host:port}: connect successes and failures since the previous call, and ejections. */
    public Map<String, EndpointOutcomes> outcomes() {
        return health.outcomes(System.nanoTime());
    }

    /**
     * One TCP service as a connection balancer sees it. Endpoints are named by their index among
     * the service's routable endpoints (DRAINING ones are not among them: they get no new
     * connections), {@code -1} meaning none.
     */
    public static final class Target {
        private final ServiceTarget target;
        private final BackendEndpoint[] endpoints;
        private final Map<String, Integer> indexByAddress = new HashMap<>();
        private final boolean hashClientIp;
        private final boolean[] seeded; // per loop, touched by that loop only

        private Target(ServiceTarget target, int loops) {
            this.target = target;
            this.endpoints = Pickers.routable(target.source()).toArray(BackendEndpoint[]::new);
            for (BackendEndpoint endpoint : endpoints) {
                indexByAddress.putIfAbsent(endpoint.address().toString(), endpoint.index());
            }
            HashKey key = target.source().getPolicy().getHashKey();
            this.hashClientIp = key.getSource() == HashKey.Source.CLIENT_IP;
            this.seeded = new boolean[loops];
        }

        public String name() {
            return target.name();
        }

        /** The snapshot's service this target was built from. */
        public Service source() {
            return target.source();
        }

        public int connectTimeoutMillis() {
            return target.connectTimeoutMillis();
        }

        /** Further connect attempts, each on an endpoint not tried yet. */
        public int connectRetries() {
            return target.connectRetries();
        }

        /** Takes a token of the service's rate limit (new connections per second); true when unlimited. */
        public boolean admit() {
            TokenBucket limiter = target.limiter();
            return limiter == null || limiter.tryAcquire();
        }

        /** The hash RING_HASH and MAGLEV pick by: of the client's IP when the key is CLIENT_IP, else 0. */
        public long hash(String clientIp) {
            return hashClientIp ? RequestHash.of(clientIp, 0, clientIp.length()) : 0;
        }

        /** The endpoint for a new connection on {@code loop}, or -1 when none is eligible. Event loop {@code loop} only. */
        public int pick(int loop, long hash) {
            BackendEndpoint endpoint = target.picker(loop).pick(hash);
            return endpoint == null ? -1 : endpoint.index();
        }

        /** Like {@link #pick}, avoiding the endpoints in {@code tried[0..count)} (after connect failures). */
        public int pickExcluding(int loop, long hash, int[] tried, int count) {
            List<BackendEndpoint> excluded = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                excluded.add(endpoints[tried[i]]);
            }
            BackendEndpoint endpoint = target.picker(loop).pickExcluding(hash, excluded);
            return endpoint == null ? -1 : endpoint.index();
        }

        /** How many endpoints the indexes range over. */
        public int endpoints() {
            return endpoints.length;
        }

        /** Where to connect (unresolved for a DNS name: resolved at connect time). */
        public InetSocketAddress socketAddress(int index) {
            return endpoints[index].address().toSocketAddress();
        }

        /** {@code host:port} of the endpoint, the key of reports. */
        public String address(int index) {
            return endpoints[index].address().toString();
        }

        /** The index of the endpoint at {@code host:port}, or -1. */
        public int indexOf(String address) {
            Integer index = indexByAddress.get(address);
            return index == null ? -1 : index;
        }

        /** For logs: {@code id (host:port)}. */
        public String describe(int index) {
            return endpoints[index].describe();
        }

        /** A connection to the endpoint is open on {@code loop}: least-connections pickers count it. */
        public void opened(int loop, int index) {
            target.tracker(loop).start(index);
        }

        /** A connection counted by {@link #opened} on this target ended. */
        public void closed(int loop, int index) {
            target.tracker(loop).finish(index, 0, System.nanoTime());
        }

        /** Whether {@code loop} has copied its open connections into this target's counts (see the TCP proxy). */
        public boolean seeded(int loop) {
            return seeded[loop];
        }

        public void markSeeded(int loop) {
            seeded[loop] = true;
        }

        /** A connect succeeded after {@code connectNanos}: the endpoint's consecutive failures on this loop end. */
        public void connected(int loop, int index, long connectNanos) {
            target.health(index).onResponse(loop, 200, connectNanos, System.nanoTime(), target.outlierRules());
        }

        /** A connect failed (refused, timed out): a gateway failure, which may eject the endpoint on this node. */
        public void connectFailed(int loop, int index, String why) {
            EndpointHealth health = target.health(index);
            long now = System.nanoTime();
            if (health.onGatewayFailure(loop, now, target.outlierRules())) {
                target.outliers().tryEject(health, now, why);
            }
        }
    }
}
