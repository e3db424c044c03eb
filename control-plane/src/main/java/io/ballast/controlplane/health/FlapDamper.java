package io.ballast.controlplane.health;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Flap damping: an endpoint whose registration vanished more than {@code threshold} times within
 * the window (each vanishing ends one appear/vanish cycle) is held down, i.e. left out of the
 * snapshot whether it is registered or not, for the hold time; a hold that follows within the
 * max hold of the previous release lasts twice as long as the previous one, up to the max hold.
 * While held, its registration may come and go without changing the snapshot: that is what
 * bounds the churn.
 *
 * <p>Not thread-safe: owned by the control loop's state thread; times are passed in (testable
 * with any clock). Nothing fails here.
 */
final class FlapDamper {

    private static final class History {
        final ArrayDeque<Long> vanishedAt = new ArrayDeque<>();
        long heldUntil; // 0 while not held
        long lastHoldMillis;
        long releasedAt = Long.MIN_VALUE;
        String reason = "";
    }

    private final FailureConfig config;
    private final Map<String, History> byKey = new HashMap<>(); // "service/id"

    FlapDamper(FailureConfig config) {
        this.config = config;
    }

    /** The registration of {@code service/id} vanished; may start a hold (event {@code flap_held}). */
    void vanished(String service, String id, EventSink events) {
        long now = events.nowMillis();
        History history = byKey.computeIfAbsent(key(service, id), k -> new History());
        history.vanishedAt.addLast(now);
        while (!history.vanishedAt.isEmpty() && now - history.vanishedAt.peekFirst() > config.flapWindowMillis()) {
            history.vanishedAt.removeFirst();
        }
        if (history.heldUntil != 0 || history.vanishedAt.size() <= config.flapThreshold()) {
            return;
        }
        boolean repeated = history.releasedAt != Long.MIN_VALUE && now - history.releasedAt <= config.flapMaxHoldMillis();
        long hold = repeated ? Math.min(config.flapMaxHoldMillis(), history.lastHoldMillis * 2) : config.flapHoldMillis();
        history.heldUntil = now + hold;
        history.lastHoldMillis = hold;
        history.reason = "flap damping: " + history.vanishedAt.size() + " vanishings within " + config.flapWindowMillis()
                + " ms; held down for " + hold + " ms";
        events.add("flap_held", service, id, history.vanishedAt.size() + " vanishings within " + config.flapWindowMillis()
                + " ms (threshold " + config.flapThreshold() + "): held down for " + hold + " ms");
    }

    boolean isHeld(String service, String id) {
        History history = byKey.get(key(service, id));
        return history != null && history.heldUntil != 0;
    }

    Optional<String> reason(String service, String id) {
        History history = byKey.get(key(service, id));
        return history == null || history.heldUntil == 0 ? Optional.empty() : Optional.of(history.reason);
    }

    /** Releases the holds that ran out (event {@code flap_released}) and forgets quiet histories; true when any was released. */
    boolean tick(EventSink events) {
        long now = events.nowMillis();
        boolean released = false;
        for (Map.Entry<String, History> entry : byKey.entrySet()) {
            History history = entry.getValue();
            if (history.heldUntil != 0 && history.heldUntil <= now) {
                history.heldUntil = 0;
                history.releasedAt = now;
                history.vanishedAt.clear(); // it must flap again, from scratch, to be held again
                String[] parts = entry.getKey().split("/", 2);
                events.add("flap_released", parts[0], parts[1], "after " + history.lastHoldMillis + " ms");
                released = true;
            }
        }
        byKey.values().removeIf(h -> h.heldUntil == 0 && (h.vanishedAt.isEmpty() || now - h.vanishedAt.peekLast() > config.flapWindowMillis())
                && (h.releasedAt == Long.MIN_VALUE || now - h.releasedAt > config.flapMaxHoldMillis()));
        return released;
    }

    /** The endpoints held down now, by service. */
    SortedMap<String, SortedSet<String>> held() {
        SortedMap<String, SortedSet<String>> held = new TreeMap<>();
        byKey.forEach((key, history) -> {
            if (history.heldUntil != 0) {
                String[] parts = key.split("/", 2);
                held.computeIfAbsent(parts[0], s -> new TreeSet<>()).add(parts[1]);
            }
        });
        return held;
    }

    /** The earliest time a hold runs out, or {@link Long#MAX_VALUE}. */
    long nextDeadline() {
        return byKey.values().stream().filter(h -> h.heldUntil != 0).mapToLong(h -> h.heldUntil).min().orElse(Long.MAX_VALUE);
    }

    private static String key(String service, String id) {
        return service + "/" + id;
    }
}
