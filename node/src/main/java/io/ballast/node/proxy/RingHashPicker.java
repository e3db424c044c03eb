package io.ballast.node.proxy;

import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Consistent hashing on a ring (Ketama style): {@code ringSize} points, each endpoint owning
 * points in proportion to its weight (at least one), placed at {@link EndpointHash#hash} of its
 * id and replica number. A request goes to the owner of the first point at or after its hash,
 * wrapping around; removing one endpoint moves only the keys it owned.
 *
 * <p>Threading: immutable after construction, shared by every event loop. A pick is a binary
 * search on a sorted {@code long[]}: O(log ringSize), no allocation, no locks. {@link #pickExcluding}
 * (retry path) walks the ring forward to the first point whose owner is not excluded.
 */
final class RingHashPicker implements EndpointPicker {

    private final BackendEndpoint[] endpoints;
    private final long[] hashes; // sorted ascending (signed)
    private final int[] owners;  // owners[i] is the endpoint of hashes[i]

    /** @param ringSize points on the ring, &gt;= 1 (0 in the snapshot is resolved by {@link Pickers}) */
    RingHashPicker(List<BackendEndpoint> endpoints, int ringSize) {
        if (ringSize < 1) {
            throw new IllegalArgumentException("ringSize: " + ringSize + " (expected: >= 1)");
        }
        this.endpoints = endpoints.toArray(new BackendEndpoint[0]);
        long total = 0;
        for (BackendEndpoint endpoint : this.endpoints) {
            total += endpoint.weight();
        }
        int[] counts = new int[this.endpoints.length];
        int points = 0;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = (int) Math.max(1, Math.round((double) ringSize * this.endpoints[i].weight() / total));
            points += counts[i];
        }
        long[] h = new long[points];
        int[] o = new int[points];
        int k = 0;
        for (int i = 0; i < counts.length; i++) {
            for (int r = 0; r < counts[i]; r++) {
                h[k] = EndpointHash.hash(this.endpoints[i].id(), r);
                o[k] = i;
                k++;
            }
        }
        Integer[] order = new Integer[points];
        for (int i = 0; i < points; i++) {
            order[i] = i;
        }
        // Ties (vanishingly rare) go to the smaller id, so the ring does not depend on endpoint order.
        Arrays.sort(order, Comparator.<Integer>comparingLong(i -> h[i]).thenComparing(i -> this.endpoints[o[i]].id()));
        this.hashes = new long[points];
        this.owners = new int[points];
        for (int i = 0; i < points; i++) {
            hashes[i] = h[order[i]];
            owners[i] = o[order[i]];
        }
    }

    private int slot(long hash) {
        int i = Arrays.binarySearch(hashes, hash);
        if (i < 0) {
            i = -i - 1;
        }
        return i == hashes.length ? 0 : i;
    }

    @Override
    public BackendEndpoint pick(long hash) {
        return endpoints.length == 0 ? null : endpoints[owners[slot(hash)]];
    }

    @Override
    public BackendEndpoint pickExcluding(long hash, Collection<BackendEndpoint> excluded) {
        if (endpoints.length == 0) {
            return null;
        }
        int start = slot(hash);
        for (int k = 0; k < hashes.length; k++) {
            BackendEndpoint candidate = endpoints[owners[(start + k) % hashes.length]];
            if (!excluded.contains(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    @Override
    public int size() {
        return endpoints.length;
    }
}
