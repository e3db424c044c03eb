package io.ballast.node.proxy;

import io.ballast.node.metrics.NodeMetrics;
import io.ballast.node.metrics.ServiceMetrics;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Service;

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
 */
record ServiceTarget(String name, EndpointPicker[] pickers, LoadTracker[] trackers, int connectTimeoutMillis,
                     int responseTimeoutMillis, int connectRetries, RequestHash requestHash, TokenBucket limiter,
                     Service source, ServiceMetrics metrics) implements RouteResult {

    /** Used only if a snapshot carries 0 (proto3's "unset"); validated snapshots never do. */
    static final int FALLBACK_CONNECT_TIMEOUT_MILLIS = 2_000;
    static final int FALLBACK_RESPONSE_TIMEOUT_MILLIS = 30_000;

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
        if (previous != null && previous.source().equals(service) && previous.pickers().length == loops) {
            // Unchanged service (another service changed): keep its pickers, counters and bucket.
            // A 10,000-endpoint Maglev table costs ~0.6 s to build; it must not be rebuilt for nothing.
            return previous;
        }
        Policy policy = service.getPolicy();
        int connect = policy.getConnectTimeoutMillis() > 0 ? policy.getConnectTimeoutMillis() : FALLBACK_CONNECT_TIMEOUT_MILLIS;
        int response = policy.getResponseTimeoutMillis() > 0 ? policy.getResponseTimeoutMillis() : FALLBACK_RESPONSE_TIMEOUT_MILLIS;
        LoadTracker[] trackers = Pickers.trackers(service, loops);
        boolean hashing = policy.getAlgorithm() == LbAlgorithm.RING_HASH || policy.getAlgorithm() == LbAlgorithm.MAGLEV;
        return new ServiceTarget(service.getName(), Pickers.forLoops(service, trackers, nodeZone), trackers, connect, response,
                Math.min(policy.getConnectRetries(), 5), hashing ? RequestHash.of(policy.getHashKey()) : RequestHash.NONE,
                limiter(policy, previous), service, metricsOf(service, metrics));
    }

    private static ServiceMetrics metricsOf(Service service, NodeMetrics metrics) {
        java.util.List<String> ids = Pickers.eligible(service).stream().map(BackendEndpoint::id).toList();
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

    /** The 503 reason when the picker has nothing to offer. */
    String noEndpointReason() {
        return "service " + name + ": no active endpoint";
    }
}
