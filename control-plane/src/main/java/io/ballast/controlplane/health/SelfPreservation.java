package io.ballast.controlplane.health;

import io.ballast.common.model.BackendRegistration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Self-preservation per service (Eureka's idea): when many of a service's registrations vanish at
 * once, the likelier cause is ZooKeeper or the network rather than dead backends, so the vanished
 * endpoints stay in the snapshot as SUSPECT at a reduced weight instead of being removed.
 *
 * <p>Enters when, within the window, at least 2 distinct registrations vanished and are still
 * absent and they are at least the threshold share of the service (vanished + still registered).
 * While in force every further vanishing also becomes SUSPECT. A SUSPECT endpoint leaves when its
 * registration returns, when the data plane confirms it dead (see {@link #confirmDead}), or after
 * the max hold; self-preservation ends when none remains. Registrations that were draining when
 * they vanished (an agent stopping on purpose) never count.
 *
 * <p>Removal grace: outside self-preservation, a vanished registration first <em>lingers</em> for
 * the removal grace: it stays in the snapshot exactly as it was, so that when sessions cut at the
 * same instant expire a few hundred milliseconds apart, the first one is not published as removed
 * before the second one starts self-preservation (the chaos suite's "all agents cut" scenario
 * caught exactly that). After the grace, if self-preservation did not start, it is removed.
 *
 * <p>Runs on every replica (fed by its own caches), so a newly elected leader already knows.
 * Not thread-safe: owned by the control loop's state thread; times are passed in. Nothing fails here.
 */
final class SelfPreservation {

    private record Vanished(String id, long atMillis, BackendRegistration registration, int weight) {}

    private static final class ServiceState {
        final ArrayDeque<Vanished> recent = new ArrayDeque<>();
        boolean active;
        long sinceMillis;
        String reason = "";
        final SortedMap<String, Suspect> suspects = new TreeMap<>();
        // Vanished outside self-preservation, still within the removal grace: kept as they were.
        final SortedMap<String, Suspect> lingering = new TreeMap<>();
    }

    private final FailureConfig config;
    private final Map<String, ServiceState> services = new HashMap<>();

    SelfPreservation(FailureConfig config) {
        this.config = config;
    }

    /**
     * A registration vanished.
     *
     * @param lastWeight the weight it was last served at (its SUSPECT weight is a share of it)
     */
    void vanished(String service, BackendRegistration registration, int lastWeight, EventSink events) {
        if (config.selfPreservationThresholdPercent() == 0 || registration.draining()) {
            return;
        }
        ServiceState state = services.computeIfAbsent(service, s -> new ServiceState());
        long now = events.nowMillis();
        int weight = lastWeight <= 0 ? 0 : Math.max(1, (int) ((long) lastWeight * config.suspectWeightPercent() / 100));
        state.recent.removeIf(v -> v.id().equals(registration.id()));
        state.recent.addLast(new Vanished(registration.id(), now, registration, weight));
        if (state.active) {
            state.suspects.put(registration.id(), new Suspect(registration, weight, now));
            events.add("suspect", service, registration.id(), "registration vanished during self-preservation: kept at weight " + weight);
        } else if (config.removalGraceMillis() > 0) {
            state.lingering.put(registration.id(), new Suspect(registration, lastWeight, now));
        }
    }

    /** A registration (re)appeared: it is no longer vanished, and no longer SUSPECT. */
    void appeared(String service, String id, EventSink events) {
        ServiceState state = services.get(service);
        if (state == null) {
            return;
        }
        state.recent.removeIf(v -> v.id().equals(id));
        state.lingering.remove(id);
        if (state.suspects.remove(id) != null) {
            events.add("suspect_cleared", service, id, "its registration returned");
        }
    }

    /** Enters self-preservation where the vanishings within the window reach the threshold. */
    void evaluate(String service, int registered, EventSink events) {
        ServiceState state = services.get(service);
        if (state == null || state.active) {
            return;
        }
        long now = events.nowMillis();
        state.recent.removeIf(v -> now - v.atMillis() > config.selfPreservationWindowMillis());
        int vanished = state.recent.size();
        int total = vanished + registered;
        if (vanished < 2 || vanished * 100L < (long) config.selfPreservationThresholdPercent() * total) {
            return;
        }
        state.active = true;
        state.sinceMillis = now;
        state.reason = vanished + " of " + total + " registrations vanished within " + config.selfPreservationWindowMillis() + " ms";
        state.recent.forEach(v -> state.suspects.put(v.id(), new Suspect(v.registration(), v.weight(), now)));
        state.lingering.clear();
        events.add("self_preservation_started", service, "", state.reason + ": keeping them as SUSPECT at "
                + config.suspectWeightPercent() + "% of their weight");
    }

    /** Removes a SUSPECT endpoint the data plane confirmed dead. */
    void confirmDead(String service, String id, String evidence, EventSink events) {
        ServiceState state = services.get(service);
        if (state != null) {
            state.lingering.remove(id);
        }
        if (state != null && state.suspects.remove(id) != null) {
            state.recent.removeIf(v -> v.id().equals(id));
            events.add("suspect_removed", service, id, "confirmed dead by " + evidence);
        }
    }

    /** Removes SUSPECT endpoints held for the max hold, ends self-preservation where none remains; true when anything changed. */
    boolean tick(EventSink events) {
        long now = events.nowMillis();
        boolean changed = false;
        for (Map.Entry<String, ServiceState> entry : services.entrySet()) {
            ServiceState state = entry.getValue();
            for (Iterator<Map.Entry<String, Suspect>> s = state.suspects.entrySet().iterator(); s.hasNext();) {
                Map.Entry<String, Suspect> suspect = s.next();
                if (now - suspect.getValue().sinceMillis() >= config.selfPreservationMaxMillis()) {
                    s.remove();
                    state.recent.removeIf(v -> v.id().equals(suspect.getKey()));
                    events.add("suspect_removed", entry.getKey(), suspect.getKey(),
                            "still unregistered after " + config.selfPreservationMaxMillis() + " ms");
                    changed = true;
                }
            }
        }
        for (ServiceState state : services.values()) {
            changed |= state.lingering.values().removeIf(l -> now - l.sinceMillis() >= config.removalGraceMillis());
        }
        changed |= endIdle(events);
        for (Iterator<Map.Entry<String, ServiceState>> it = services.entrySet().iterator(); it.hasNext();) {
            ServiceState state = it.next().getValue();
            state.recent.removeIf(v -> now - v.atMillis() > config.selfPreservationWindowMillis());
            if (!state.active && state.recent.isEmpty() && state.lingering.isEmpty()) {
                it.remove();
            }
        }
        return changed;
    }

    /** Ends self-preservation of a service that is in it but whose suspects all left (called after every change). */
    boolean endIdle(EventSink events) {
        boolean changed = false;
        for (Map.Entry<String, ServiceState> entry : services.entrySet()) {
            ServiceState state = entry.getValue();
            if (state.active && state.suspects.isEmpty()) {
                events.add("self_preservation_ended", entry.getKey(), "", "no SUSPECT endpoint remains (since "
                        + (events.nowMillis() - state.sinceMillis) + " ms)");
                state.active = false;
                state.recent.clear();
                changed = true;
            }
        }
        return changed;
    }

    SortedMap<String, SortedMap<String, Suspect>> suspects() {
        SortedMap<String, SortedMap<String, Suspect>> all = new TreeMap<>();
        services.forEach((service, state) -> {
            if (!state.suspects.isEmpty()) {
                all.put(service, new TreeMap<>(state.suspects));
            }
        });
        return all;
    }

    /** Vanished registrations within their removal grace, by service then id (weight = the weight they were served at). */
    SortedMap<String, SortedMap<String, Suspect>> lingering() {
        SortedMap<String, SortedMap<String, Suspect>> all = new TreeMap<>();
        services.forEach((service, state) -> {
            if (!state.lingering.isEmpty()) {
                all.put(service, new TreeMap<>(state.lingering));
            }
        });
        return all;
    }

    SortedMap<String, Suspect> suspects(String service) {
        ServiceState state = services.get(service);
        return state == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(state.suspects);
    }

    /** Services in self-preservation. */
    Set<String> active() {
        Set<String> active = new LinkedHashSet<>();
        new TreeMap<>(services).forEach((service, state) -> {
            if (state.active) {
                active.add(service);
            }
        });
        return active;
    }

    /** When and why {@code service} entered self-preservation; empty when it is not in it. */
    Optional<Map.Entry<Long, String>> since(String service) {
        ServiceState state = services.get(service);
        return state == null || !state.active ? Optional.empty() : Optional.of(Map.entry(state.sinceMillis, state.reason));
    }

    long nextDeadline() {
        long suspects = services.values().stream().flatMap(s -> s.suspects.values().stream())
                .mapToLong(s -> s.sinceMillis() + config.selfPreservationMaxMillis()).min().orElse(Long.MAX_VALUE);
        long lingering = services.values().stream().flatMap(s -> s.lingering.values().stream())
                .mapToLong(s -> s.sinceMillis() + config.removalGraceMillis()).min().orElse(Long.MAX_VALUE);
        return Math.min(suspects, lingering);
    }
}
