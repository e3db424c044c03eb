package io.ballast.node.proxy;

/**
 * Finagle's retry budget for one service on one event loop: over a sliding window of 10 s (ten
 * one-second buckets), retries may add {@code budgetPercent} of the window's requests plus a
 * reserve of {@code minRetriesPerSecond} x 10 s, split evenly across the node's loops (each loop
 * keeps its own budget, so nothing is shared on the request path).
 *
 * <p>Threading: plain fields, NOT thread-safe; touched only by the loop that owns it.
 */
final class RetryBudget {

    static final int WINDOW_SECONDS = 10;

    private final long[] second = new long[WINDOW_SECONDS];
    private final int[] requests = new int[WINDOW_SECONDS];
    private final int[] retries = new int[WINDOW_SECONDS];

    /** A request was routed (first tries only). */
    void deposit(long nowNanos) {
        requests[slot(nowNanos)]++;
    }

    /**
     * Takes one retry if the window allows it.
     *
     * @param minRetriesPerSecond this loop's share of the node's per-second minimum
     */
    boolean tryWithdraw(long nowNanos, int budgetPercent, double minRetriesPerSecond) {
        int current = slot(nowNanos);
        long now = nowNanos / 1_000_000_000L;
        long windowRequests = 0;
        long windowRetries = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            if (now - second[i] < WINDOW_SECONDS) {
                windowRequests += requests[i];
                windowRetries += retries[i];
            }
        }
        double allowed = windowRequests * budgetPercent / 100.0 + minRetriesPerSecond * WINDOW_SECONDS;
        if (windowRetries + 1 > allowed) {
            return false;
        }
        retries[current]++;
        return true;
    }

    /** The bucket of this second, emptied first if it last held an older second. */
    private int slot(long nowNanos) {
        long now = nowNanos / 1_000_000_000L;
        int i = (int) Math.floorMod(now, (long) WINDOW_SECONDS);
        if (second[i] != now) {
            second[i] = now;
            requests[i] = 0;
            retries[i] = 0;
        }
        return i;
    }
}
