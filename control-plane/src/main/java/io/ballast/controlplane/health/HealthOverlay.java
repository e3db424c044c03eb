package io.ballast.controlplane.health;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What failure handling changes in the snapshot, by service then endpoint id: SUSPECT endpoints
 * kept although their registration vanished (self-preservation), endpoints ejected cluster-wide
 * by outlier quorum, and endpoints held down by flap damping (left out). An input of
 * {@link io.ballast.controlplane.snapshot.SnapshotComputer}, like the computed weights, so the
 * snapshot stays a pure function. Immutable; any thread.
 *
 * @param suspects vanished endpoints served as SUSPECT
 * @param ejected reasons of outlier-quorum ejections (the state becomes EJECTED, weight 0)
 * @param held endpoints held down by flap damping, left out of the snapshot
 * @param lingering vanished endpoints within their removal grace, kept as they were (at the weight
 *     they were served at)
 */
public record HealthOverlay(SortedMap<String, SortedMap<String, Suspect>> suspects,
                            SortedMap<String, SortedMap<String, String>> ejected,
                            SortedMap<String, SortedSet<String>> held,
                            SortedMap<String, SortedMap<String, Suspect>> lingering) {

    public static final HealthOverlay EMPTY = new HealthOverlay(new TreeMap<>(), new TreeMap<>(), new TreeMap<>());

    /** Without lingering endpoints. */
    public HealthOverlay(SortedMap<String, SortedMap<String, Suspect>> suspects,
                         SortedMap<String, SortedMap<String, String>> ejected, SortedMap<String, SortedSet<String>> held) {
        this(suspects, ejected, held, new TreeMap<>());
    }

    public HealthOverlay {
        suspects = freeze(suspects);
        lingering = freeze(lingering);
        ejected = freeze(ejected);
        TreeMap<String, SortedSet<String>> heldCopy = new TreeMap<>();
        held.forEach((service, ids) -> {
            if (!ids.isEmpty()) {
                heldCopy.put(service, Collections.unmodifiableSortedSet(new TreeSet<>(ids)));
            }
        });
        held = Collections.unmodifiableSortedMap(heldCopy);
    }

    public SortedMap<String, Suspect> suspects(String service) {
        return suspects.getOrDefault(service, Collections.emptySortedMap());
    }

    public SortedMap<String, Suspect> lingering(String service) {
        return lingering.getOrDefault(service, Collections.emptySortedMap());
    }

    public Optional<String> ejection(String service, String id) {
        return Optional.ofNullable(ejected.getOrDefault(service, Collections.emptySortedMap()).get(id));
    }

    public boolean isHeld(String service, String id) {
        return held.getOrDefault(service, Collections.emptySortedSet()).contains(id);
    }

    /** Services with at least one SUSPECT or lingering endpoint (they stay in the snapshot without registrations). */
    public Set<String> suspectServices() {
        Set<String> services = new TreeSet<>(suspects.keySet());
        services.addAll(lingering.keySet());
        return services;
    }

    private static <V> SortedMap<String, SortedMap<String, V>> freeze(Map<String, ? extends Map<String, V>> map) {
        TreeMap<String, SortedMap<String, V>> copy = new TreeMap<>();
        map.forEach((service, inner) -> {
            if (!inner.isEmpty()) {
                copy.put(service, Collections.unmodifiableSortedMap(new TreeMap<>(inner)));
            }
        });
        return Collections.unmodifiableSortedMap(copy);
    }
}
