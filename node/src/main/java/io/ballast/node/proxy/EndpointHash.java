package io.ballast.node.proxy;

/**
 * The 64-bit hash the hashing pickers place endpoints by: FNV-1a over the UTF-16 chars of the
 * endpoint id and a salt, finished with murmur3's fmix64 so that nearby inputs spread over the
 * whole range. Depends on nothing but its input, so two nodes with the same snapshot build the
 * same ring and the same Maglev table.
 *
 * <p>Threading: stateless.
 */
final class EndpointHash {

    private EndpointHash() {}

    static long hash(String id, long salt) {
        long h = 0xcbf29ce484222325L ^ salt * 0x9e3779b97f4a7c15L;
        for (int i = 0; i < id.length(); i++) {
            h ^= id.charAt(i);
            h *= 0x100000001b3L;
        }
        return fmix64(h);
    }

    /** murmur3's 64-bit finalizer. */
    static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb93fe53e4b9bL;
        k ^= k >>> 33;
        return k;
    }
}
