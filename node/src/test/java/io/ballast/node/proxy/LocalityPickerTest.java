package io.ballast.node.proxy;

import static io.ballast.node.proxy.TestSnapshots.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Locality;
import io.ballast.proto.v1.Service;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Zone-aware routing: shares by health and overprovisioning, spill order, determinism, indexes. */
class LocalityPickerTest {

    private static final Locality ENABLED = Locality.newBuilder().setEnabled(true).build(); // factor 0 = 1.4

    private static final Function<List<BackendEndpoint>, EndpointPicker> WEIGHTED_RANDOM =
            list -> new WeightedRandomPicker(list, list.stream().mapToInt(BackendEndpoint::weight).toArray());

    private static Endpoint endpoint(String id, String zone, EndpointState state) {
        return Endpoint.newBuilder().setId(id).setHost("127.0.0.1").setPort(9000).setZone(zone).setWeight(10)
                .setDeclaredWeight(10).setState(state).build();
    }

    private static Endpoint active(String id, String zone) {
        return endpoint(id, zone, EndpointState.ACTIVE);
    }

    private static Endpoint drained(String id, String zone) {
        return endpoint(id, zone, EndpointState.DRAINING);
    }

    private static Service web(Endpoint... endpoints) {
        return service("web", endpoints);
    }

    /** What the integrator computes from the snapshot: declared weight of every endpoint, eligible or not. */
    private static Map<String, Long> declaredByZone(Service service) {
        Map<String, Long> declared = new HashMap<>();
        for (Endpoint endpoint : service.getEndpointsList()) {
            declared.merge(endpoint.getZone(), (long) endpoint.getDeclaredWeight(), Long::sum);
        }
        return declared;
    }

    private static EndpointPicker picker(String nodeZone, Service service, Locality locality,
                                         Function<List<BackendEndpoint>, EndpointPicker> perZone) {
        return LocalityPicker.of(nodeZone, Pickers.eligible(service), declaredByZone(service), locality, perZone);
    }

    private static EndpointPicker picker(String nodeZone, Service service, Locality locality) {
        return picker(nodeZone, service, locality, WEIGHTED_RANDOM);
    }

    /** Fraction of picks (random zone draw, hash 0) per zone. */
    private static Map<String, Double> zoneFractions(EndpointPicker picker, int picks) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(picker.pick(0).zone(), 1, Integer::sum);
        }
        Map<String, Double> fractions = new HashMap<>();
        counts.forEach((zone, count) -> fractions.put(zone, count / (double) picks));
        return fractions;
    }

    private static Map<String, Double> shares(EndpointPicker picker) {
        assertThat(picker).isInstanceOf(LocalityPicker.class);
        return ((LocalityPicker) picker).shares();
    }

    private static long key(int i) {
        return EndpointHash.fmix64(i * 0x9e3779b97f4a7c15L + 1);
    }

    private static Service halfOfLocalZoneDrained() {
        return web(active("a1", "a"), active("a2", "a"), drained("a3", "a"), drained("a4", "a"),
                active("b1", "b"), active("b2", "b"));
    }

    @Test
    void allHealthyStaysInTheLocalZone() {
        EndpointPicker picker = picker("a", web(active("a1", "a"), active("a2", "a"), active("b1", "b"), active("b2", "b")), ENABLED);
        assertThat(shares(picker)).containsExactly(Map.entry("a", 1.0), Map.entry("b", 0.0));
        assertThat(zoneFractions(picker, 10_000)).containsOnlyKeys("a");
    }

    @Test
    void halfHealthyLocalZoneTakesHealthTimesFactorAndTheRestSpills() {
        EndpointPicker picker = picker("a", halfOfLocalZoneDrained(), ENABLED);
        assertThat(shares(picker).get("a")).isCloseTo(0.7, within(1e-9));
        assertThat(shares(picker).get("b")).isCloseTo(0.3, within(1e-9));
        Map<String, Double> fractions = zoneFractions(picker, 100_000);
        System.out.printf("local share with half of zone a drained, factor 1.4: %.4f%n", fractions.get("a"));
        assertThat(fractions.get("a")).isCloseTo(0.7, within(0.02));
        assertThat(fractions.get("b")).isCloseTo(0.3, within(0.02));
    }

    @Test
    void overprovisioningPercentIsTheFactor() {
        // 2 of 4 eligible at factor 2.0: 0.5 × 2 = 1, so everything stays local.
        EndpointPicker picker = picker("a", halfOfLocalZoneDrained(), ENABLED.toBuilder().setOverprovisioningPercent(200).build());
        assertThat(shares(picker)).containsExactly(Map.entry("a", 1.0), Map.entry("b", 0.0));
        // Factor 1.0: health itself.
        picker = picker("a", halfOfLocalZoneDrained(), ENABLED.toBuilder().setOverprovisioningPercent(100).build());
        assertThat(shares(picker).get("a")).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void healthCountsWeightNotEndpoints() {
        // a: eligible weight 30 of declared 40 (a weight-0 endpoint counts in the declared sum): 0.75 × 1.4 ≥ 1.
        Endpoint zero = active("a3", "a").toBuilder().setWeight(0).build();
        Service service = web(active("a1", "a"), active("a2", "a").toBuilder().setWeight(20).setDeclaredWeight(20).build(), zero, active("b1", "b"));
        assertThat(shares(picker("a", service, ENABLED)).get("a")).isEqualTo(1.0);
        // Same endpoints, factor 1.2: 0.75 × 1.2 = 0.9.
        assertThat(shares(picker("a", service, ENABLED.toBuilder().setOverprovisioningPercent(120).build())).get("a"))
                .isCloseTo(0.9, within(1e-9));
    }

    @Test
    void localZoneEntirelyGoneSendsEverythingToTheOthers() {
        EndpointPicker twoZones = picker("a", web(drained("a1", "a"), drained("a2", "a"), active("b1", "b"), active("b2", "b")), ENABLED);
        assertThat(zoneFractions(twoZones, 10_000)).containsOnlyKeys("b");
        // With two other zones, the first by name takes it all while it is healthy.
        EndpointPicker threeZones = picker("a", web(drained("a1", "a"), active("b1", "b"), active("c1", "c")), ENABLED);
        assertThat(shares(threeZones)).containsExactly(Map.entry("b", 1.0), Map.entry("c", 0.0));
        assertThat(zoneFractions(threeZones, 10_000)).containsOnlyKeys("b");
        // A node in a zone with no endpoint at all spills the same way.
        EndpointPicker elsewhere = picker("x", web(active("b1", "b"), active("c1", "c")), ENABLED);
        assertThat(shares(elsewhere)).containsExactly(Map.entry("b", 1.0), Map.entry("c", 0.0));
    }

    @Test
    void spillFollowsZonePriorityThenName() {
        // a: 1 of 4 → 0.25 × 1.4 = 0.35 local; c (listed first): 2 of 4 → 0.7 of the 0.65 left = 0.455;
        // b (listed second, healthy) takes the last 0.195; d, unlisted, gets nothing.
        Service service = web(active("a1", "a"), drained("a2", "a"), drained("a3", "a"), drained("a4", "a"),
                active("b1", "b"), active("c1", "c"), active("c2", "c"), drained("c3", "c"), drained("c4", "c"),
                active("d1", "d"));
        Locality priority = ENABLED.toBuilder().addZonePriority("c").addZonePriority("a").addZonePriority("b").build();
        EndpointPicker picker = picker("a", service, priority);
        Map<String, Double> shares = shares(picker);
        assertThat(shares.keySet()).containsExactly("a", "c", "b", "d");
        assertThat(shares.get("a")).isCloseTo(0.35, within(1e-9));
        assertThat(shares.get("c")).isCloseTo(0.455, within(1e-9));
        assertThat(shares.get("b")).isCloseTo(0.195, within(1e-9));
        assertThat(shares.get("d")).isZero();
        Map<String, Double> fractions = zoneFractions(picker, 100_000);
        assertThat(fractions.get("a")).isCloseTo(0.35, within(0.02));
        assertThat(fractions.get("c")).isCloseTo(0.455, within(0.02));
        assertThat(fractions.get("b")).isCloseTo(0.195, within(0.02));
        assertThat(fractions).doesNotContainKey("d");

        // Without a priority the others go by name: b (healthy) takes all of the 0.65.
        Map<String, Double> byName = shares(picker("a", service, ENABLED));
        assertThat(byName.keySet()).containsExactly("a", "b", "c", "d");
        assertThat(byName.get("b")).isCloseTo(0.65, within(1e-9));
        assertThat(byName.get("c")).isZero();
    }

    @Test
    void sharesAreNormalisedWhenEveryZoneIsDegraded() {
        // a: 0.35; b: 0.35 of 0.65 = 0.2275; 0.4225 would be dropped, so both scale up by 1 / 0.5775.
        Service service = web(active("a1", "a"), drained("a2", "a"), drained("a3", "a"), drained("a4", "a"),
                active("b1", "b"), drained("b2", "b"), drained("b3", "b"), drained("b4", "b"));
        Map<String, Double> shares = shares(picker("a", service, ENABLED));
        assertThat(shares.get("a") + shares.get("b")).isCloseTo(1.0, within(1e-9));
        assertThat(shares.get("a")).isCloseTo(0.35 / 0.5775, within(1e-9));
        EndpointPicker picker = picker("a", service, ENABLED);
        assertThat(zoneFractions(picker, 100_000).get("a")).isCloseTo(0.35 / 0.5775, within(0.02));
    }

    @Test
    void disabledUnknownNodeZoneOrOneZoneGiveThePlainPicker() {
        Service twoZones = web(active("a1", "a"), drained("a2", "a"), active("b1", "b"));
        List<EndpointPicker> built = new ArrayList<>();
        Function<List<BackendEndpoint>, EndpointPicker> recording = list -> {
            EndpointPicker plain = new RoundRobinPicker(list);
            built.add(plain);
            return plain;
        };
        EndpointPicker disabled = picker("a", twoZones, Locality.newBuilder().setEnabled(false).setOverprovisioningPercent(140).build(), recording);
        assertThat(built).hasSize(1);
        assertThat(disabled).isSameAs(built.get(0));
        assertThat(disabled.size()).isEqualTo(2);

        built.clear();
        assertThat(picker("", twoZones, ENABLED, recording)).isSameAs(built.get(0));
        built.clear();
        assertThat(picker("a", web(active("a1", "a"), active("a2", "a")), ENABLED, recording)).isSameAs(built.get(0));
        // Only one zone left eligible: nothing to choose between, so no wrapper either.
        built.clear();
        assertThat(picker("a", web(drained("a1", "a"), active("b1", "b")), ENABLED, recording)).isSameAs(built.get(0));
        // No eligible endpoint at all: the plain picker, which has nothing to offer.
        built.clear();
        EndpointPicker empty = picker("a", web(drained("a1", "a"), drained("b1", "b")), ENABLED, recording);
        assertThat(empty).isSameAs(built.get(0));
        assertThat(empty.pick(0)).isNull();
    }

    @Test
    void sameHashGivesSameEndpointOnSeparatelyBuiltPickers() {
        Function<List<BackendEndpoint>, EndpointPicker> ring = list -> new RingHashPicker(list, 10_000);
        EndpointPicker first = picker("a", halfOfLocalZoneDrained(), ENABLED, ring);
        EndpointPicker second = picker("a", halfOfLocalZoneDrained(), ENABLED, ring);
        int local = 0;
        for (int i = 0; i < 100_000; i++) {
            BackendEndpoint endpoint = first.pick(key(i));
            assertThat(second.pick(key(i))).isEqualTo(endpoint);
            assertThat(first.pick(key(i))).isSameAs(endpoint);
            if (endpoint.zone().equals("a")) {
                local++;
            }
        }
        // The hash-driven zone draw honours the shares too.
        assertThat(local / 100_000.0).isCloseTo(0.7, within(0.02));
    }

    @Test
    void zoneDrawIsNotCorrelatedWithTheInZoneChoice() {
        // An in-zone picker that places by the high bit of the hash, as a ring with one point per
        // endpoint does: keys with the bit set go to the first endpoint. Had the zone been drawn from
        // the raw hash, zone a (70%) would get all keys below 0.7 × 2^64 (unsigned), and only 2/7 of
        // them would have the high bit set; the re-mixed draw leaves the zone's keys at one half.
        Function<List<BackendEndpoint>, EndpointPicker> highBit = list -> new EndpointPicker() {
            @Override
            public BackendEndpoint pick(long hash) {
                return list.get(hash < 0 || list.size() == 1 ? 0 : 1);
            }

            @Override
            public BackendEndpoint pickExcluding(long hash, Collection<BackendEndpoint> excluded) {
                throw new UnsupportedOperationException();
            }

            @Override
            public int size() {
                return list.size();
            }
        };
        EndpointPicker picker = picker("a", halfOfLocalZoneDrained(), ENABLED, highBit);
        int inA = 0;
        int a1InA = 0;
        for (int i = 0; i < 100_000; i++) {
            BackendEndpoint endpoint = picker.pick(key(i));
            if (endpoint.zone().equals("a")) {
                inA++;
                if (endpoint.id().equals("a1")) {
                    a1InA++;
                }
            }
        }
        assertThat(inA / 100_000.0).isCloseTo(0.7, within(0.02));
        assertThat(a1InA / (double) inA).isCloseTo(0.5, within(0.02));
    }

    @Test
    void perZonePickersGetTheOriginalEndpointsWithTheirIndex() {
        Service service = web(active("b1", "b"), drained("a1", "a"), active("a2", "a"), active("c1", "c"),
                active("b2", "b"), active("a3", "a"));
        List<BackendEndpoint> eligible = Pickers.eligible(service);
        List<List<BackendEndpoint>> zoneLists = new ArrayList<>();
        EndpointPicker picker = LocalityPicker.of("a", eligible, declaredByZone(service), ENABLED, list -> {
            zoneLists.add(list);
            return WEIGHTED_RANDOM.apply(list);
        });
        assertThat(picker.size()).isEqualTo(eligible.size()).isEqualTo(5);
        assertThat(zoneLists).hasSize(3);
        int seen = 0;
        for (List<BackendEndpoint> zone : zoneLists) {
            for (BackendEndpoint endpoint : zone) {
                assertThat(endpoint).isSameAs(eligible.get(endpoint.index()));
                seen++;
            }
        }
        assertThat(seen).isEqualTo(eligible.size());
        // The local zone a is first and keeps the snapshot order within the zone.
        assertThat(zoneLists.get(0)).extracting(BackendEndpoint::id).containsExactly("a2", "a3");
        assertThat(zoneLists.get(0)).extracting(BackendEndpoint::index).containsExactly(1, 4);
        for (int i = 0; i < 1_000; i++) {
            BackendEndpoint endpoint = picker.pick(0);
            assertThat(endpoint).isSameAs(eligible.get(endpoint.index()));
        }
    }

    @Test
    void pickExcludingFallsBackToTheOtherZonesInSpillOrder() {
        Service service = web(active("a1", "a"), active("a2", "a"), active("b1", "b"), active("c1", "c"));
        List<BackendEndpoint> eligible = Pickers.eligible(service);
        Locality priority = ENABLED.toBuilder().addZonePriority("c").build();
        EndpointPicker picker = LocalityPicker.of("a", eligible, declaredByZone(service), priority, WEIGHTED_RANDOM);
        List<BackendEndpoint> excluded = new ArrayList<>(List.of(eligible.get(0)));
        for (int i = 0; i < 1_000; i++) {
            assertThat(picker.pickExcluding(0, excluded).id()).isEqualTo("a2");
        }
        // The local zone has failed entirely: c (priority) before b, though both have a share of 0.
        excluded.add(eligible.get(1));
        assertThat(picker.pickExcluding(0, excluded).id()).isEqualTo("c1");
        excluded.add(eligible.get(3));
        assertThat(picker.pickExcluding(key(1), excluded).id()).isEqualTo("b1");
        excluded.add(eligible.get(2));
        assertThat(picker.pickExcluding(0, excluded)).isNull();
    }

    @Test
    void refusesAnOverprovisioningPercentOutOfRange() {
        assertThatThrownBy(() -> picker("a", halfOfLocalZoneDrained(), ENABLED.toBuilder().setOverprovisioningPercent(50).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("overprovisioning_percent: 50 (expected: 100..1000, or 0 for 140)");
    }
}
