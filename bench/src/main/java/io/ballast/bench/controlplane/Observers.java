package io.ballast.bench.controlplane;

import java.time.Duration;

/**
 * The nodes a convergence run watches: real nodes through their admin endpoints, or simulated
 * streams through their receipts. Called on the benchmark's main thread only; every wait throws
 * {@link IllegalStateException} when it runs out.
 */
interface Observers {

    /** How many nodes. */
    int count();

    /** The snapshot version every node holds once they agree and nothing moved for a while. */
    long settledVersion(Duration timeout);

    /** Per node, System.nanoTime() of the moment it first held a version above {@code version}. */
    long[] awaitAbove(long version, Duration timeout);

    /** Per node, the serialized bytes of the first push above {@code version}; empty when not observable. */
    long[] bytesOfFirstAbove(long version);

    /** Null when every node's latest snapshot gives {@code service}/{@code id} this weight, else what is wrong. */
    String checkWeight(String service, String id, int weight);
}
