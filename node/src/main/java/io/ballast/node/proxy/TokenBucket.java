package io.ballast.node.proxy;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The token bucket of one service on one node ({@code RateLimit} in the snapshot): holds at most
 * {@code burst} tokens, gains {@code rate} tokens per second, and every request takes one or is
 * refused. Starts full.
 *
 * <p>Why one bucket shared by all event loops, updated by CAS: the leader gives each node its share
 * of the cluster-wide rate, and the sum over nodes is only right if each node admits exactly its
 * share. Splitting the share across loops would make it depend on how connections happen to spread
 * over the loops (a loop with no traffic would strand its part); a lock would park event-loop
 * threads. A few nanoseconds of CAS contention on a cache line is the cheaper price.
 *
 * <p>State: the tokens, in micro-tokens (fixed point, so that adding and taking are exact integer
 * CAS steps), and the clock reading up to which the refill has been credited. Refill is lazy: a
 * call that sees time has passed claims the interval by a CAS on that stamp, so each interval is
 * credited exactly once whichever thread wins, then adds its tokens, capped at {@code burst}. Only
 * whole micro-tokens are credited; with a slow rate the stamp advances only by the time those took,
 * so the remainder is carried, not lost, and the refill error stays under one nanosecond's worth of
 * tokens (at most a micro-token) per call. Between the two CAS steps another thread may briefly see
 * the tokens without the newest refill: the error is always towards refusing, never towards
 * exceeding the rate.
 *
 * <p>Threading: safe for any number of threads; lock-free, and {@link #tryAcquire} allocates
 * nothing. The clock is read once per call and must be monotonic ({@link System#nanoTime}); tests
 * inject their own.
 *
 * <p>Failure behaviour: the constructor throws {@link IllegalArgumentException} for a rate that is
 * not a finite number &gt; 0 or a burst below 1 (the snapshot validator refuses those); nothing
 * else throws, unless the clock does.
 */
final class TokenBucket {

    private static final long MICROS = 1_000_000L;
    private static final double NANOS_PER_SECOND = 1e9;
    /** The largest burst whose micro-tokens fit a long. */
    static final long MAX_BURST = Long.MAX_VALUE / MICROS;

    private final double rate;
    private final long burst;
    private final LongSupplier nanoClock;
    private final long burstMicros;
    private final double microsPerSecond;
    private final AtomicLong micros;     // tokens available, in millionths of a token, 0..burstMicros
    private final AtomicLong stampNanos; // clock reading up to which the refill has been credited

    /**
     * @param ratePerSecond tokens gained per second, finite and &gt; 0
     * @param burst bucket size in tokens, 1..{@link #MAX_BURST}
     * @param nanoClock monotonic nanoseconds, {@code System::nanoTime} outside tests
     */
    TokenBucket(double ratePerSecond, long burst, LongSupplier nanoClock) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate: " + ratePerSecond + " (expected: > 0)");
        }
        if (Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("rate: " + ratePerSecond + " (expected: finite)");
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst: " + burst + " (expected: >= 1)");
        }
        if (burst > MAX_BURST) {
            throw new IllegalArgumentException("burst: " + burst + " (expected: <= " + MAX_BURST + ")");
        }
        this.rate = ratePerSecond;
        this.burst = burst;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.burstMicros = burst * MICROS;
        this.microsPerSecond = ratePerSecond * MICROS;
        this.micros = new AtomicLong(burstMicros);
        this.stampNanos = new AtomicLong(nanoClock.getAsLong());
    }

    /** Takes one token if there is one; {@code false} means the request is over the rate. */
    boolean tryAcquire() {
        refill(nanoClock.getAsLong());
        while (true) {
            long available = micros.get();
            if (available < MICROS) {
                return false;
            }
            if (micros.compareAndSet(available, available - MICROS)) {
                return true;
            }
        }
    }

    /** Credits the time since the stamp, if it is worth at least one micro-token and no other thread claims it first. */
    private void refill(long now) {
        long stamp = stampNanos.get();
        long elapsed = now - stamp; // subtraction, so that a nanoTime wrap does no harm
        if (elapsed <= 0) {
            return;
        }
        // elapsed × micros/s ÷ 1e9 rather than × micros/ns: exact whenever the result is a whole number.
        double earned = elapsed * microsPerSecond / NANOS_PER_SECOND;
        if (earned < 1) {
            return; // keep the stamp, so that slow rates accumulate instead of rounding to nothing
        }
        long credit;
        long advance;
        if (earned >= burstMicros) {
            // Fills the bucket whatever is in it: the whole interval is used up (overflow is discarded).
            credit = burstMicros;
            advance = elapsed;
        } else {
            credit = (long) earned;
            // A fast rate loses under one micro-token by crediting the whole interval; a slow one
            // carries the time of the fraction to the next call instead.
            advance = earned == credit || microsPerSecond >= NANOS_PER_SECOND
                    ? elapsed : Math.min(elapsed, (long) Math.ceil(credit * NANOS_PER_SECOND / microsPerSecond));
        }
        if (!stampNanos.compareAndSet(stamp, stamp + advance)) {
            return; // another thread claimed this interval and credits it
        }
        while (true) {
            long available = micros.get();
            long next = Math.min(burstMicros, available + credit);
            if (next == available || micros.compareAndSet(available, next)) {
                return;
            }
        }
    }

    /**
     * Whole seconds, at least 1, until one token will be available at the current rate: the value of
     * an HTTP {@code Retry-After} header on a refusal. Reads without claiming anything, so it never
     * takes a token; under concurrent refusals it is an estimate (another client may take the token
     * first), which is all the header promises.
     */
    long retryAfterSeconds() {
        long now = nanoClock.getAsLong();
        double available = micros.get();
        long elapsed = now - stampNanos.get();
        if (elapsed > 0) {
            available = Math.min(burstMicros, available + elapsed * microsPerSecond / NANOS_PER_SECOND);
        }
        double missing = MICROS - available;
        if (missing <= 0) {
            return 1;
        }
        // (long) of a huge double saturates at Long.MAX_VALUE, which is right for an absurdly slow rate.
        return Math.max(1, (long) Math.ceil(missing / microsPerSecond));
    }

    /** Tokens gained per second. */
    double rate() {
        return rate;
    }

    /** Bucket size in tokens. */
    long burst() {
        return burst;
    }
}
