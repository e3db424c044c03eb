package io.ballast.node.proxy;

import io.ballast.node.metrics.NodeMetrics;
import io.ballast.node.metrics.ServiceMetrics;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Service;
import java.util.List;

/**
 * A service as the data path uses it: its pickers and its timeouts, resolved once per snapshot.
 *
 * @param pickers one per I/O event loop, indexed by {@link BackendPool#index()} (see {@link Pickers#forLoops});
 *                never modified after construction
 * @param trackers one {@link LoadTracker} per I/O event loop, same indexing as {@code pickers}
 * @param connectTimeoutMillis TCP connect timeout per attempt
 * @param responseTimeoutMillis time from the request being written to the full response
 * @param connectRetries further attempts, each on a different endpoint, after connect failures
 * @param requestHash what a request is hashed by (RING_HASH, MAGLEV), else {@link RequestHash#NONE}
 * @param limiter this node's share of the service's rate limit, shared by every loop; null when unlimited
 * @param source the snapshot's service this target was built from
 * @param metrics the service's meters, resolved when this target was built (the data path never looks one up)
 * @param health node-wide health of each routable endpoint, by {@link BackendEndpoint#index()} (shared with
 *               the tables before and after this one while they keep the address)
 * @param outliers the service's node-wide ejection, panic and retry-budget state
 * @param outlierRules the service's outlier detection, defaults filled in
 * @param retry the service's retry policy, defaults filled in
 */
record ServiceTarget(String name, EndpointPicker[] pickers, LoadTracker[] trackers, int connectTimeoutMillis,
                     int responseTimeoutMillis, int connectRetries, RequestHash requestHash, TokenBucket limiter,
                     Service source, ServiceMetrics metrics, EndpointHealth[] health, ServiceOutliers outliers,
                     OutlierRules outlierRules, RetryRules retry) implements RouteResult {

    /** Used only if a snapshot carries 0 (proto3's "unset"); validated snapshots never do. */
    static final int FALLBACK_CONNECT_TIMEOUT_MILLIS = 2_000;
    static final int FALLBACK_RESPONSE_TIMEOUT_MILLIS = 30_000;
    /** Policy.panic_threshold_percent when absent. */
    static final int DEFAULT_PANIC_THRESHOLD_PERCENT = 50;

    /** @param loops number of I/O event loops of the proxy, &gt;= 1 */
    static ServiceTarget of(Service service, int loops) {
        return of(service, loops, "", null);
    }

    /**
     * @param nodeZone this node's zone (locality), empty when unknown
     * @param previous the same service in the table this one replaces, or null: its token bucket is
     *                 kept when the rate and burst are unchanged, so a new snapshot (weights move
     *                 every few seconds) does not refill the bucket and let a burst through
     */
    static ServiceTarget of(Service service, int loops, String nodeZone, ServiceTarget previous) {
        return of(service, loops, nodeZone, previous, null);
    }

    /** @param metrics where the service's meters are registered; null records nothing (tests) */
    static ServiceTarget of(Service service, int loops, String nodeZone, ServiceTarget previous, NodeMetrics metrics) {
        return of(service, loops, nodeZone, previous, metrics, null);
    }

    /**
     * @param registry the node's failure state, whose entries for this service are reused (ejections
     *                 survive snapshots); null gives the service state of its own (tests)
     */
    static ServiceTarget of(Service service, int loops, String nodeZone, ServiceTarget previous, NodeMetrics metrics,
                            HealthRegistry registry) {
        if (previous != null && previous.source().equals(service) && previous.pickers().length == loops
                && (registry == null || registry.service(service.getName()) == previous.outliers())) {
            // Unchanged service (another service changed): keep its pickers, counters and bucket.
            // A 10,000-endpoint Maglev table costs ~0.6 s to build; it must not be rebuilt for nothing.
            return previous;
        }
        Policy policy = service.getPolicy();
        int connect = policy.getConnectTimeoutMillis() > 0 ? policy.getConnectTimeoutMillis() : FALLBACK_CONNECT_TIMEOUT_MILLIS;
        int response = policy.getResponseTimeoutMillis() > 0 ? policy.getResponseTimeoutMillis() : FALLBACK_RESPONSE_TIMEOUT_MILLIS;
        HealthRegistry health = registry != null ? registry : new HealthRegistry(loops);
        List<BackendEndpoint> routable = Pickers.routable(service);
        List<BackendEndpoint> eligible = Pickers.eligible(service);
        LoadTracker[] trackers = Pickers.trackers(service, loops);
        EndpointPicker[] normal = Pickers.forLoops(service, eligible, trackers, nodeZone);
        // Panic routes over the routable endpoints at their panic weights; when those are exactly the
        // eligible ones (the usual case) the normal pickers serve, so nothing is built twice.
        EndpointPicker[] panic = routable.equals(eligible) ? normal : Pickers.forLoops(service, routable, trackers, nodeZone);

        ServiceOutliers outliers = health.service(service.getName());
        EndpointHealth[] members = new EndpointHealth[routable.size()];
        boolean[] isEligible = new boolean[routable.size()];
        for (BackendEndpoint endpoint : routable) {
            members[endpoint.index()] = health.endpoint(outliers, endpoint.address());
        }
        for (BackendEndpoint endpoint : eligible) {
            isEligible[endpoint.index()] = true;
        }
        OutlierRules outlierRules = OutlierRules.of(policy);
        ServiceMetrics serviceMetrics = metricsOf(service, routable, metrics);
        for (int i = 0; i < members.length; i++) {
            EndpointHealth member = members[i];
            member.metrics = serviceMetrics.endpoint(i);
            serviceMetrics.endpoint(i).bindEjected(() -> member.ejected(System.nanoTime()));
        }
        serviceMetrics.bindPanic(outliers::panic);
        outliers.view(new ServiceOutliers.View(members, isEligible, service.getEndpointsCount(), outlierRules,
                policy.hasPanicThresholdPercent() ? Math.min(100, policy.getPanicThresholdPercent()) : DEFAULT_PANIC_THRESHOLD_PERCENT));

        EndpointPicker[] pickers = new EndpointPicker[loops];
        for (int i = 0; i < loops; i++) {
            pickers[i] = new GuardedPicker(normal[i], panic[i], members, outliers);
        }
        return new ServiceTarget(service.getName(), pickers, trackers, connect, response,
                Math.min(policy.getConnectRetries(), 5), hashing(policy) ? RequestHash.of(policy.getHashKey()) : RequestHash.NONE,
                limiter(policy, previous), service, serviceMetrics, members, outliers, outlierRules, RetryRules.of(policy));
    }

    private static boolean hashing(Policy policy) {
        return policy.getAlgorithm() == LbAlgorithm.RING_HASH || policy.getAlgorithm() == LbAlgorithm.MAGLEV;
    }

    private static ServiceMetrics metricsOf(Service service, List<BackendEndpoint> routable, NodeMetrics metrics) {
        List<String> ids = routable.stream().map(BackendEndpoint::id).toList();
        return metrics == null ? ServiceMetrics.unmeasured(service.getName(), ids) : metrics.service(service.getName(), ids);
    }

    private static TokenBucket limiter(Policy policy, ServiceTarget previous) {
        if (!policy.hasRateLimit()) {
            return null;
        }
        double rate = policy.getRateLimit().getNodeRequestsPerSecond();
        // burst 0: one second of this node's share, at least one request.
        long burst = policy.getRateLimit().getBurst() > 0 ? policy.getRateLimit().getBurst() : Math.max(1, (long) Math.ceil(rate));
        TokenBucket kept = previous == null ? null : previous.limiter();
        if (kept != null && kept.rate() == rate && kept.burst() == burst) {
            return kept;
        }
        return new TokenBucket(rate, burst, System::nanoTime);
    }

    /**
     * The picker of the event loop with this {@link BackendPool#index()}; call it only on that loop,
     * because some pickers (smooth weighted round robin) are not thread-safe.
     */
    EndpointPicker picker(int loop) {
        return pickers[loop];
    }

    /** The in-flight and latency counters of the event loop with this {@link BackendPool#index()}; that loop only. */
    LoadTracker tracker(int loop) {
        return trackers[loop];
    }

    /** The health of the routable endpoint with this index. */
    EndpointHealth health(int index) {
        return health[index];
    }

    /** The 503 reason when the picker has nothing to offer. */
    String noEndpointReason() {
        return "service " + name + ": no active endpoint";
    }
}
