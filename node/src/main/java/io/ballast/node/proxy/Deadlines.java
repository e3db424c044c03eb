package io.ballast.node.proxy;

import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/**
 * Response deadlines of ONE event loop, checked by a single coarse tick instead of one scheduled
 * timer task per request: arming and disarming link and unlink an intrusive list node (no
 * allocation, no priority-queue work), and the tick runs every {@link #TICK_MILLIS} ms only
 * while something is armed. A deadline therefore fires up to one tick late, which is immaterial
 * next to timeouts of tens of milliseconds and more.
 *
 * <p>Threading: NOT thread-safe; every method, and every {@link Entry#expired()} callback, runs
 * on {@link #loop}. Failure: an exception thrown by a callback is not caught here; it escapes to
 * the loop, which logs it, and the remaining expired entries of that tick still fire on the next.
 */
final class Deadlines {

    /** Granularity of the check. */
    static final long TICK_MILLIS = 5;

    /** Something with a deadline; at most one list at a time. */
    abstract static class Entry {
        private Entry prev;
        private Entry next;
        private long deadlineNanos;
        private boolean armed;

        /** The deadline passed; the entry is already disarmed (it may arm itself again, and only itself). */
        abstract void expired();
    }

    private final EventLoop loop;
    private final Runnable tick = this::tick;
    private Entry head;
    private boolean scheduled;

    Deadlines(EventLoop loop) {
        this.loop = loop;
    }

    /** Arms (or re-arms) {@code entry} to expire at {@code deadlineNanos} ({@link System#nanoTime()} based). */
    void arm(Entry entry, long deadlineNanos) {
        if (entry.armed) {
            unlink(entry);
        }
        entry.deadlineNanos = deadlineNanos;
        entry.armed = true;
        entry.prev = null;
        entry.next = head;
        if (head != null) {
            head.prev = entry;
        }
        head = entry;
        if (!scheduled) {
            scheduled = true;
            loop.schedule(tick, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Disarms {@code entry}; a no-op if it is not armed. */
    void disarm(Entry entry) {
        if (entry.armed) {
            unlink(entry);
        }
    }

    boolean isArmed(Entry entry) {
        return entry.armed;
    }

    private void unlink(Entry entry) {
        if (entry.prev != null) {
            entry.prev.next = entry.next;
        } else {
            head = entry.next;
        }
        if (entry.next != null) {
            entry.next.prev = entry.prev;
        }
        entry.prev = null;
        entry.next = null;
        entry.armed = false;
    }

    private void tick() {
        scheduled = false;
        long now = System.nanoTime();
        // Unlink every expired entry first, chained through prev (free once unlinked), so that
        // callbacks which arm or disarm entries cannot disturb this walk.
        Entry expired = null;
        for (Entry e = head; e != null; ) {
            Entry next = e.next;
            if (now - e.deadlineNanos >= 0) {
                unlink(e);
                e.prev = expired;
                expired = e;
            }
            e = next;
        }
        if (head != null && !scheduled) {
            scheduled = true;
            loop.schedule(tick, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
        while (expired != null) {
            Entry e = expired;
            expired = e.prev;
            e.prev = null;
            if (!e.armed) {
                e.expired();
            }
        }
    }
}
