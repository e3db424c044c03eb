package io.ballast.node.proxy;

/**
 * Requests in flight and a peak-sensitive latency estimate per endpoint of one service, as one
 * event loop sees them; slots are {@link BackendEndpoint#index()}. The load-aware pickers
 * (least connections, least request, peak EWMA) read it; {@link Exchange} calls {@link #start}
 * when it sends a request to an endpoint and {@link #finish} when the response ends or fails.
 *
 * <p>Threading: plain arrays, NOT thread-safe; one instance per service per event loop, touched
 * only on that loop (as Envoy keeps per-worker host stats), so no atomics are needed. A request
 * always finishes on the loop it started on because the backend connection is on the same loop.
 * A tracker belongs to one snapshot's {@link ServiceTarget}: requests that started under an older
 * snapshot finish on the older tracker, which nothing reads any more.
 */
final class LoadTracker {

    /** Decay time constant of the latency estimate (Finagle's default is 10 s). */
    static final long DECAY_NANOS = 10_000_000_000L;

    private final int[] active;
    private final double[] ewmaNanos;
    private final long[] stampNanos;

    LoadTracker(int endpoints) {
        this.active = new int[endpoints];
        this.ewmaNanos = new double[endpoints];
        this.stampNanos = new long[endpoints];
    }

    void start(int index) {
        active[index]++;
    }

    /**
     * @param latencyNanos time from sending the request to the end (or failure) of the response
     * @param nowNanos {@link System#nanoTime()} at the end
     */
    void finish(int index, long latencyNanos, long nowNanos) {
        if (active[index] > 0) {
            active[index]--;
        }
        double previous = ewmaNanos[index];
        if (latencyNanos > previous) {
            // Peak sensitivity: a slower response replaces the estimate at once, a faster one decays into it.
            ewmaNanos[index] = latencyNanos;
        } else {
            long elapsed = Math.max(0, nowNanos - stampNanos[index]);
            double w = Math.exp(-(double) elapsed / DECAY_NANOS);
            ewmaNanos[index] = previous * w + latencyNanos * (1 - w);
        }
        stampNanos[index] = nowNanos;
    }

    int active(int index) {
        return active[index];
    }

    /** The latency estimate in nanoseconds, 0 before the first response. */
    double latencyNanos(int index) {
        return ewmaNanos[index];
    }

    int size() {
        return active.length;
    }
}
