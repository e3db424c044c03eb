package io.ballast.node.proxy;

import io.ballast.proto.v1.Locality;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * Zone-aware routing, as Envoy's locality load balancing with an overprovisioning factor (the
 * {@code Locality} message of the snapshot): first a zone is drawn by its share of traffic, then
 * that zone's own picker (built by the caller for the service's algorithm) chooses the endpoint.
 *
 * <p>Shares, computed once per snapshot by {@link #of}:
 * <ul>
 *   <li>{@code health(z) = min(1, eligibleWeight(z) / declaredWeight(z))}, where the eligible weight
 *       is the sum of {@link BackendEndpoint#weight()} of the zone's eligible endpoints and the
 *       declared weight the sum over ALL of the zone's endpoints in the snapshot (drained and
 *       weight-0 ones included). A declared weight of 0 (or a zone missing from the map) counts as
 *       health 1 if the zone has eligible weight; a zone without eligible endpoints has health 0
 *       and takes no part.</li>
 *   <li>{@code factor = overprovisioning_percent / 100}, 0 meaning 1.4.</li>
 *   <li>The node's own zone takes {@code local = min(1, health(local) × factor)}; 0 if that zone has
 *       no eligible endpoint (or none at all).</li>
 *   <li>{@code remaining = 1 − local}; then for every other zone in spill order —
 *       {@code zone_priority} first (duplicates and the local zone skipped), then the remaining
 *       zones sorted by name — {@code share(z) = remaining × min(1, health(z) × factor)} and
 *       {@code remaining −= share(z)}.</li>
 *   <li>If {@code remaining > 0} at the end (every zone degraded), the shares are divided by their
 *       sum, so that no traffic is dropped while any endpoint is eligible. The sum is &gt; 0 as
 *       soon as one endpoint is eligible, since a zone with eligible weight has health &gt; 0.</li>
 * </ul>
 * Example: a healthy, b healthy, node in a → a 100%. Half of a's declared weight drained, factor
 * 1.4 → a 70%, b 30%. a entirely drained → b 100%.
 *
 * <p>{@link #of} returns the plain picker over all eligible endpoints (no wrapper, no zone draw)
 * when locality is disabled, when the node does not know its zone ({@code nodeZone} empty), or when
 * all eligible endpoints are in one zone (the draw could only ever choose that zone). An endpoint
 * with an empty zone is in the zone {@code ""}, which sorts first among the unlisted zones and
 * never is the local zone.
 *
 * <p>Threading: the wrapper itself is immutable (arrays filled once in the constructor), so it is
 * exactly as thread-safe as the per-zone pickers it holds: the caller must build one
 * {@code LocalityPicker} per event loop (one {@link #of} call per loop, which calls
 * {@code perZone} anew) whenever the algorithm's picker is per loop, as {@link Pickers#forLoops}
 * does for the plain pickers. {@link #pick} draws the zone from {@link ThreadLocalRandom}, or from
 * the request hash when it is non-zero, and scans a cumulative-share array: no allocation, no locks.
 * Each per-zone picker gets the original {@link BackendEndpoint}s (same {@link BackendEndpoint#index()}),
 * so the load-aware pickers keep reading the right slots of the loop's {@link LoadTracker}.
 *
 * <p>Failure behaviour: when it wraps, {@link #of} throws {@link IllegalArgumentException} for an
 * overprovisioning percent outside 100..1000 (the snapshot validator refuses those); it throws whatever
 * {@code perZone} throws; it is called off the event loops, once per snapshot. {@link #pick}
 * returns {@code null} only if no endpoint is eligible, which {@link #of} never wraps.
 */
final class LocalityPicker implements EndpointPicker {

    /** Envoy's default overprovisioning factor, used when the snapshot carries 0. */
    static final int DEFAULT_OVERPROVISIONING_PERCENT = 140;

    /** Salt of the zone draw's hash, so that the zone draw is not the in-zone pickers' hash. */
    private static final long ZONE_SALT = 0x7a6f6e652d647261L; // "zone-dra"

    private final EndpointPicker[] pickers; // one per zone: local zone first (if it has endpoints), then spill order
    private final double[] cumulative;      // cumulative[i] = share[0] + ... + share[i], last ~ 1
    private final int lastWithShare;        // where a draw lands if rounding leaves it past cumulative[]
    private final Map<String, Double> shares;
    private final int size;

    private LocalityPicker(String[] zones, EndpointPicker[] pickers, double[] share, int size) {
        this.pickers = pickers;
        this.size = size;
        this.cumulative = new double[share.length];
        Map<String, Double> view = new LinkedHashMap<>();
        double sum = 0;
        int last = 0;
        for (int i = 0; i < share.length; i++) {
            sum += share[i];
            cumulative[i] = sum;
            if (share[i] > 0) {
                last = i;
            }
            view.put(zones[i], share[i]);
        }
        this.lastWithShare = last;
        this.shares = Collections.unmodifiableMap(view);
    }

    /**
     * The picker of one service on one event loop.
     *
     * @param nodeZone the zone of this node, empty if unknown
     * @param eligible the service's eligible endpoints ({@link Pickers#eligible}), passed through unchanged
     * @param declaredWeightByZone per zone, the sum of the declared weights of all the service's
     *                             endpoints in that zone, eligible or not
     * @param locality the service policy's locality settings
     * @param perZone builds the picker of one zone's endpoints (and, when {@link #of} does not wrap,
     *                of all eligible endpoints); called once per zone, so per-loop pickers stay per loop
     */
    static EndpointPicker of(String nodeZone, List<BackendEndpoint> eligible, Map<String, Long> declaredWeightByZone,
                             Locality locality, Function<List<BackendEndpoint>, EndpointPicker> perZone) {
        Objects.requireNonNull(nodeZone, "nodeZone");
        Objects.requireNonNull(declaredWeightByZone, "declaredWeightByZone");
        // Group by zone, keeping the endpoints' order within a zone; TreeMap gives the by-name order.
        Map<String, List<BackendEndpoint>> byZone = new TreeMap<>();
        for (BackendEndpoint endpoint : eligible) {
            byZone.computeIfAbsent(endpoint.zone(), z -> new ArrayList<>()).add(endpoint);
        }
        if (!locality.getEnabled() || nodeZone.isEmpty() || byZone.size() <= 1) {
            return perZone.apply(eligible);
        }
        int percent = locality.getOverprovisioningPercent() == 0
                ? DEFAULT_OVERPROVISIONING_PERCENT : locality.getOverprovisioningPercent();
        if (percent < 100 || percent > 1000) {
            throw new IllegalArgumentException("overprovisioning_percent: " + percent + " (expected: 100..1000, or 0 for "
                    + DEFAULT_OVERPROVISIONING_PERCENT + ")");
        }
        double factor = percent / 100.0;

        List<String> order = new ArrayList<>(byZone.size());
        Set<String> placed = new HashSet<>();
        if (byZone.containsKey(nodeZone)) {
            order.add(nodeZone);
            placed.add(nodeZone);
        }
        for (String zone : locality.getZonePriorityList()) {
            if (byZone.containsKey(zone) && placed.add(zone)) {
                order.add(zone);
            }
        }
        for (String zone : byZone.keySet()) {
            if (placed.add(zone)) {
                order.add(zone);
            }
        }

        int n = order.size();
        String[] zones = order.toArray(new String[0]);
        EndpointPicker[] pickers = new EndpointPicker[n];
        double[] share = new double[n];
        double remaining = 1.0;
        for (int i = 0; i < n; i++) {
            List<BackendEndpoint> members = byZone.get(zones[i]);
            pickers[i] = perZone.apply(Collections.unmodifiableList(members));
            // The local zone (always first when present) starts from the whole, so the same step
            // gives it min(1, health × factor); a node whose zone has no endpoint starts spilling at i = 0.
            share[i] = remaining * Math.min(1.0, health(members, declaredWeightByZone.get(zones[i])) * factor);
            remaining -= share[i];
        }
        double total = 1.0 - remaining;
        if (remaining > 0 && total > 0) {
            for (int i = 0; i < n; i++) {
                share[i] /= total;
            }
        }
        return new LocalityPicker(zones, pickers, share, eligible.size());
    }

    /** Eligible over declared weight, at most 1; 1 when nothing was declared (an endpoint is eligible here). */
    private static double health(List<BackendEndpoint> members, Long declared) {
        long eligibleWeight = 0;
        for (BackendEndpoint endpoint : members) {
            eligibleWeight += endpoint.weight();
        }
        if (eligibleWeight <= 0) {
            return 0;
        }
        if (declared == null || declared <= 0) {
            return 1.0;
        }
        return Math.min(1.0, (double) eligibleWeight / declared);
    }

    /** The zone a request goes to: by the request hash when there is one, else at random. */
    private int zoneOf(long hash) {
        double r;
        if (hash != 0) {
            // A second fmix64 (salted) of the request hash: ring hash and Maglev place the request
            // by the hash itself, so using it unmixed would tie the zone to a region of the ring.
            r = (EndpointHash.fmix64(hash ^ ZONE_SALT) >>> 11) * 0x1.0p-53;
        } else {
            r = ThreadLocalRandom.current().nextDouble();
        }
        // Linear: a service has a handful of zones, fewer than a binary search pays off for.
        for (int i = 0; i < cumulative.length; i++) {
            if (r < cumulative[i]) {
                return i;
            }
        }
        return lastWithShare; // the shares summed to a hair under 1
    }

    @Override
    public BackendEndpoint pick(long hash) {
        int zone = zoneOf(hash);
        BackendEndpoint endpoint = pickers[zone].pick(hash);
        if (endpoint != null) {
            return endpoint;
        }
        // Per-zone pickers are never built empty, so this is only a guard: never drop a request
        // while another zone has an endpoint.
        for (int i = 0; i < pickers.length; i++) {
            if (i != zone && (endpoint = pickers[i].pick(hash)) != null) {
                return endpoint;
            }
        }
        return null;
    }

    /**
     * The drawn zone's picker first, then every other zone in spill order (local zone first), even
     * zones with a share of 0: a retry after failures in the local zone should still find a backend.
     */
    @Override
    public BackendEndpoint pickExcluding(long hash, Collection<BackendEndpoint> excluded) {
        int zone = zoneOf(hash);
        BackendEndpoint endpoint = pickers[zone].pickExcluding(hash, excluded);
        if (endpoint != null) {
            return endpoint;
        }
        for (int i = 0; i < pickers.length; i++) {
            if (i != zone && (endpoint = pickers[i].pickExcluding(hash, excluded)) != null) {
                return endpoint;
            }
        }
        return null;
    }

    @Override
    public int size() {
        return size;
    }

    /**
     * Each zone's share of traffic, 0..1, summing to 1, in spill order (the local zone first when it
     * has eligible endpoints); zones without eligible endpoints are absent. Unmodifiable and built
     * once, so tests and the admin view can read it from any thread.
     */
    Map<String, Double> shares() {
        return shares;
    }
}
