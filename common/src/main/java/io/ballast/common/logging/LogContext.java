package io.ballast.common.logging;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.MDC;

/**
 * Values that belong on every log line of this process, kept in the SLF4J MDC under
 * {@link #COMPONENT_ID} (the node, replica or agent id, put at start) and
 * {@link #SNAPSHOT_VERSION} (the node's applied snapshot version, put when it applies one).
 *
 * <p>The MDC is per thread, and most lines come from threads nobody here starts (Netty event
 * loops, gRPC and Curator threads). So {@link #put} also stores the value process-wide, and the
 * launcher's Logback configuration runs a turbo filter that calls {@link #syncMdc()} on whichever
 * thread logs, copying these values into that thread's MDC before the event is built. Without the
 * filter (other logging backends, tests) only the thread that called {@link #put} carries them.
 *
 * <p>One component per process, as the launcher runs them; several in one JVM (tests) share the
 * values, the last {@link #put} winning. Threading: any thread; {@link #syncMdc()} costs a
 * thread-local read while nothing changed.
 */
public final class LogContext {

    /** MDC key of the node id, the control-plane replica id or the agent id. */
    public static final String COMPONENT_ID = "component_id";
    /** MDC key of the version of the snapshot the node applied last. */
    public static final String SNAPSHOT_VERSION = "snapshot_version";

    private static volatile Map<String, String> values = Map.of();
    private static final ThreadLocal<Map<String, String>> SYNCED = new ThreadLocal<>();

    private LogContext() {}

    /** Sets {@code key} for every later line of this process, and in this thread's MDC at once. */
    public static synchronized void put(String key, String value) {
        MDC.put(key, value);
        if (value.equals(values.get(key))) {
            return; // unchanged: the other threads need not re-sync
        }
        Map<String, String> next = new HashMap<>(values);
        next.put(key, value);
        values = Map.copyOf(next);
    }

    /** The process-wide values (immutable). */
    public static Map<String, String> values() {
        return values;
    }

    /** Copies the process-wide values into this thread's MDC unless it already has these. */
    public static void syncMdc() {
        Map<String, String> current = values;
        if (SYNCED.get() != current) {
            current.forEach(MDC::put);
            SYNCED.set(current);
        }
    }
}
