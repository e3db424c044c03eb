package io.ballast.node.proxy;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of a prime size M filled
 * by the paper's population algorithm, each endpoint walking its own permutation
 * {@code (offset + j × skip) mod M} from {@link EndpointHash#hash} of its id. Weighted by turns:
 * every round each endpoint earns its weight in credit and takes one slot per max-weight of
 * credit, so slots are in proportion to weight. A request goes to {@code table[hash mod M]}.
 *
 * <p>Threading: immutable after construction, shared by every event loop; a pick is one array
 * read, no allocation, no locks. {@link #pickExcluding} (retry path) probes the following slots.
 */
final class MaglevPicker implements EndpointPicker {

    /** Table sizes used when the policy says 0, as Envoy's default is 65537. */
    static final int[] DEFAULT_SIZES = {65537, 655373, 5000011};

    private final BackendEndpoint[] endpoints;
    private final int[] table;

    /** The smallest of {@link #DEFAULT_SIZES} that is &gt;= 100 × endpoints, else the largest. */
    static int defaultSize(int endpoints) {
        for (int size : DEFAULT_SIZES) {
            if (size >= 100L * endpoints) {
                return size;
            }
        }
        return DEFAULT_SIZES[DEFAULT_SIZES.length - 1];
    }

    /** @param tableSize a prime, &gt; endpoints (validated in the snapshot) */
    MaglevPicker(List<BackendEndpoint> endpoints, int tableSize) {
        this.endpoints = endpoints.toArray(new BackendEndpoint[0]);
        int n = this.endpoints.length;
        if (n > 0 && tableSize < n) {
            throw new IllegalArgumentException("tableSize: " + tableSize + " (expected: >= " + n + ", the endpoints)");
        }
        this.table = new int[n == 0 ? 0 : tableSize];
        if (n == 0) {
            return;
        }
        long m = tableSize;
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        long[] credit = new long[n];
        int maxWeight = 1;
        for (int i = 0; i < n; i++) {
            String id = this.endpoints[i].id();
            offset[i] = Long.remainderUnsigned(EndpointHash.hash(id, 0x6d61676c6576L), m);
            skip[i] = Long.remainderUnsigned(EndpointHash.hash(id, 0x736b6970L), m - 1) + 1;
            maxWeight = Math.max(maxWeight, this.endpoints[i].weight());
        }
        Arrays.fill(table, -1);
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                credit[i] += this.endpoints[i].weight();
                while (credit[i] >= maxWeight) {
                    credit[i] -= maxWeight;
                    int c;
                    do {
                        c = (int) ((offset[i] + next[i] * skip[i]) % m);
                        next[i]++;
                    } while (table[c] >= 0);
                    table[c] = i;
                    if (++filled == tableSize) {
                        return;
                    }
                }
            }
        }
    }

    @Override
    public BackendEndpoint pick(long hash) {
        return table.length == 0 ? null : endpoints[table[(int) Long.remainderUnsigned(hash, table.length)]];
    }

    @Override
    public BackendEndpoint pickExcluding(long hash, Collection<BackendEndpoint> excluded) {
        if (table.length == 0) {
            return null;
        }
        int start = (int) Long.remainderUnsigned(hash, table.length);
        for (int k = 0; k < table.length; k++) {
            BackendEndpoint candidate = endpoints[table[(start + k) % table.length]];
            if (!excluded.contains(candidate)) {
                return candidate;
            }
            if (k >= 4 * endpoints.length) {
                break; // fall back to a linear scan of the endpoints
            }
        }
        for (BackendEndpoint candidate : endpoints) {
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
