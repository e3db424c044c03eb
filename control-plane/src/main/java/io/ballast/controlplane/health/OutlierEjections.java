package io.ballast.controlplane.health;

import io.ballast.common.model.BackendRegistration;
import io.ballast.common.policy.OutlierSettings;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.ServicePolicy;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The leader's quorum ejection: an endpoint is ejected cluster-wide (EJECTED, weight 0) when at
 * least {@code quorum_percent} of the nodes that sent it traffic or hold it ejected within the
 * quorum window hold it ejected, for base x 2^(ejections so far), capped at the max ejection time
 * (the service's OutlierDetection). Then it is restored and the evidence about it forgotten, so
 * that only fresh reports decide again. At most {@code max_ejection_percent} of a service's
 * endpoints are ejected at once, counting manual ejections (one of two or more always may be).
 * The ejection count decays to 0 once the endpoint stayed in for the max ejection time.
 *
 * <p>Leader only (only the leader gets reports); a new leader starts with none, and the nodes'
 * own ejections cover the gap. Not thread-safe: owned by the control loop's state thread.
 */
final class OutlierEjections {

    private static final class Ejection {
        long untilMillis; // 0 while not ejected
        long durationMillis;
        int ejections;
        long restoredAt;
        String reason = "";
    }

    private final Map<String, Map<String, Ejection>> byService = new HashMap<>();

    /** Ejects and restores by the evidence; true when an endpoint's state changed. */
    boolean evaluate(ClusterState state, NodeEvidence evidence, FlapDamper flaps, SortedMap<String, SortedMap<String, Suspect>> suspects,
                     EventSink events) {
        long now = events.nowMillis();
        boolean changed = restoreExpired(state, evidence, events);
        for (Map.Entry<String, SortedMap<String, BackendRegistration>> service : state.registrations().entrySet()) {
            String name = service.getKey();
            OutlierSettings settings = settings(state, name);
            Map<String, Ejection> ejections = byService.computeIfAbsent(name, s -> new HashMap<>());
            if (settings.disabled()) {
                for (Map.Entry<String, Ejection> e : ejections.entrySet()) {
                    if (e.getValue().untilMillis != 0) {
                        e.getValue().untilMillis = 0;
                        events.add("outlier_restored", name, e.getKey(), "outlier detection is disabled for the service");
                        changed = true;
                    }
                }
                continue;
            }
            int endpoints = suspects.getOrDefault(name, Collections.emptySortedMap()).size();
            int ejected = 0;
            for (BackendRegistration registration : service.getValue().values()) {
                if (state.refusal(registration).isPresent() || flaps.isHeld(name, registration.id())) {
                    continue;
                }
                endpoints++;
                Ejection e = ejections.get(registration.id());
                if (state.override(name, registration.id()).hasEjection() || (e != null && e.untilMillis != 0)) {
                    ejected++;
                }
            }
            for (BackendRegistration registration : service.getValue().values()) {
                String id = registration.id();
                Ejection e = ejections.get(id);
                if ((e != null && e.untilMillis != 0) || state.override(name, id).hasEjection()
                        || state.refusal(registration).isPresent() || flaps.isHeld(name, id)) {
                    continue;
                }
                NodeEvidence.Verdict verdict = evidence.verdict(address(registration), now);
                if (!NodeEvidence.Verdict.quorum(verdict.ejecting(), verdict.voters(), settings.quorumPercent())) {
                    continue;
                }
                if (ejected >= settings.maxEjected(endpoints)) {
                    continue; // at the cap: the nodes' own ejections still apply, one node at a time
                }
                if (e == null) {
                    e = new Ejection();
                    ejections.put(id, e);
                }
                e.durationMillis = settings.ejectionTimeMillis(e.ejections);
                e.ejections++;
                e.untilMillis = now + e.durationMillis;
                String detail = NodeEvidence.Verdict.describe(verdict.ejecting(), verdict.voters());
                e.reason = "outlier quorum: " + detail + " (ejection " + e.ejections + ", " + e.durationMillis + " ms)";
                events.add("outlier_ejected", name, id, detail + "; ejected for " + e.durationMillis + " ms");
                ejected++;
                changed = true;
            }
        }
        return changed;
    }

    private boolean restoreExpired(ClusterState state, NodeEvidence evidence, EventSink events) {
        long now = events.nowMillis();
        boolean changed = false;
        for (Iterator<Map.Entry<String, Map<String, Ejection>>> services = byService.entrySet().iterator(); services.hasNext();) {
            Map.Entry<String, Map<String, Ejection>> service = services.next();
            long maxEjection = settings(state, service.getKey()).maxEjectionTimeMillis();
            for (Iterator<Map.Entry<String, Ejection>> it = service.getValue().entrySet().iterator(); it.hasNext();) {
                Map.Entry<String, Ejection> entry = it.next();
                Ejection e = entry.getValue();
                if (e.untilMillis != 0 && e.untilMillis <= now) {
                    e.untilMillis = 0;
                    e.restoredAt = now;
                    state.registration(service.getKey(), entry.getKey()).ifPresent(r -> evidence.clear(address(r)));
                    events.add("outlier_restored", service.getKey(), entry.getKey(), "after " + e.durationMillis
                            + " ms; the nodes' evidence decides again");
                    changed = true;
                } else if (e.untilMillis == 0 && now - e.restoredAt > maxEjection) {
                    it.remove(); // stayed in long enough: the next ejection starts from the base time again
                }
            }
            if (service.getValue().isEmpty()) {
                services.remove();
            }
        }
        return changed;
    }

    /** Forgets every ejection (this replica stopped leading). */
    void clear() {
        byService.clear();
    }

    Optional<String> reason(String service, String id) {
        Ejection e = byService.getOrDefault(service, Map.of()).get(id);
        return e == null || e.untilMillis == 0 ? Optional.empty() : Optional.of(e.reason);
    }

    /** The endpoints ejected now, with their reasons, by service. */
    SortedMap<String, SortedMap<String, String>> ejected() {
        SortedMap<String, SortedMap<String, String>> all = new TreeMap<>();
        byService.forEach((service, ejections) -> ejections.forEach((id, e) -> {
            if (e.untilMillis != 0) {
                all.computeIfAbsent(service, s -> new TreeMap<>()).put(id, e.reason);
            }
        }));
        return all;
    }

    long nextDeadline() {
        return byService.values().stream().flatMap(m -> m.values().stream()).filter(e -> e.untilMillis != 0)
                .mapToLong(e -> e.untilMillis).min().orElse(Long.MAX_VALUE);
    }

    static OutlierSettings settings(ClusterState state, String service) {
        return OutlierSettings.of(state.policy(service).map(ServicePolicy::getSettings).orElse(Policy.getDefaultInstance()));
    }

    /** The address nodes key their reports by: host:port, as the drain barrier reads in_flight. */
    static String address(BackendRegistration registration) {
        return registration.host() + ":" + registration.port();
    }
}
