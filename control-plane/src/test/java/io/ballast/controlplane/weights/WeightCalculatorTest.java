package io.ballast.controlplane.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ballast.common.json.Json;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.common.model.LoadReport;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class WeightCalculatorTest {

    private static final long NOW = 1_000_000;

    private static BackendRegistration reg(String id, int weight, LoadReport load, long startedAt) {
        return new BackendRegistration("web", id, "10.0.0.1", 8080, "", weight, Map.of(), "test", startedAt, load);
    }

    private static SortedMap<String, WeightResult> compute(SortedMap<String, BackendRegistration> regs,
            SlowStartConfig slowStart, Map<String, WeightResult> previous, long now) {
        return WeightCalculator.compute(regs, id -> EndpointOverride.NONE, slowStart, previous, now, WeightConfig.DEFAULT);
    }

    private static SortedMap<String, BackendRegistration> two(LoadReport a, LoadReport b) {
        SortedMap<String, BackendRegistration> regs = new TreeMap<>();
        regs.put("a", reg("a", 100, a, 0));
        regs.put("b", reg("b", 100, b, 0));
        return regs;
    }

    /** Previous results whose first report lies before the blackout. */
    private static Map<String, WeightResult> seen(long firstReport) {
        return Map.of("a", new WeightResult(100, 100, java.util.List.of(), firstReport, 0),
                "b", new WeightResult(100, 100, java.util.List.of(), firstReport, 0));
    }

    @Test
    void lessLoadedEndpointGetsThreeTimesTheLoadFactor() {
        var regs = two(new LoadReport(-1, -1, NOW, 300, 0.3), new LoadReport(-1, -1, NOW, 300, 0.9));
        var results = compute(regs, null, Map.of(), NOW);
        // First sight: blackout.
        assertThat(results.get("a").terms().get(1).value()).isEqualTo(1.0);
        var later = compute(regs, null, seen(NOW - 20_000), NOW);
        double a = later.get("a").terms().get(1).value();
        double b = later.get("b").terms().get(1).value();
        assertThat(a / b).isCloseTo(3.0, within(1e-9));
        assertThat(a).isCloseTo(1.5, within(1e-9));
        assertThat(later.get("a").terms().get(1).reason()).contains("qps/utilisation");
    }

    @Test
    void cpuFallbackWhenQpsUnknown() {
        var regs = two(new LoadReport(0.2, -1, NOW), new LoadReport(0.6, -1, NOW));
        var later = compute(regs, null, seen(NOW - 20_000), NOW);
        assertThat(later.get("a").terms().get(1).value() / later.get("b").terms().get(1).value()).isCloseTo(3.0, within(1e-9));
        assertThat(later.get("a").terms().get(1).reason()).contains("1/cpu");
    }

    @Test
    void backendReportsAndCpuSamplesNeverShareAMean() {
        // a reports qps/utilisation, b only host CPU: different units, so b is left at 1 and a is
        // compared only with endpoints of its own basis (itself: factor 1).
        var regs = two(new LoadReport(0.5, -1, NOW, 300, 0.3), new LoadReport(0.01, -1, NOW));
        var later = compute(regs, null, seen(NOW - 20_000), NOW);
        assertThat(later.get("a").terms().get(1).value()).isEqualTo(1.0);
        assertThat(later.get("b").terms().get(1).value()).isEqualTo(1.0);
        assertThat(later.get("b").terms().get(1).reason()).contains("balanced by qps/utilisation");
    }

    @Test
    void anOperatorsNewBaseAppliesAtOnceWhileLoadChangesAreDamped() {
        var regs = two(new LoadReport(-1, -1, NOW, 300, 0.3), new LoadReport(-1, -1, NOW, 300, 0.9));
        Map<String, WeightResult> previous = Map.of(
                "a", new WeightResult(100, 100, java.util.List.of(), NOW - 20_000, 0),
                "b", new WeightResult(100, 100, java.util.List.of(), NOW - 20_000, 0));
        // Load says a=150, b=50; damping at 50% of 100 allows exactly that, so push further with a 10x gap.
        var skewed = two(new LoadReport(-1, -1, NOW, 900, 0.1), new LoadReport(-1, -1, NOW, 10, 0.9));
        var damped = compute(skewed, null, previous, NOW);
        assertThat(damped.get("a").effective()).isEqualTo(150);
        assertThat(damped.get("a").terms().get(4).reason()).startsWith("undamped");
        var overridden = WeightCalculator.compute(regs, id -> id.equals("a") ? new EndpointOverride(1_000, false)
                : EndpointOverride.NONE, null, previous, NOW, WeightConfig.DEFAULT);
        assertThat(overridden.get("a").effective()).isEqualTo(1_500);
        assertThat(overridden.get("a").terms().get(4).reason()).startsWith("base changed 100 -> 1000");
    }

    @Test
    void smallLoadJitterIsHeldInADeadBandSoNodesGetNoSnapshotForIt() {
        Map<String, WeightResult> previous = Map.of(
                "a", new WeightResult(100, 100, java.util.List.of(), NOW - 20_000, 0),
                "b", new WeightResult(100, 100, java.util.List.of(), NOW - 20_000, 0));
        // Capacities 306 vs 294: factors 1.02 and 0.98, i.e. 102 and 98: inside 5 % of 100.
        var jitter = compute(two(new LoadReport(-1, -1, NOW, 306, 1.0), new LoadReport(-1, -1, NOW, 294, 1.0)), null, previous, NOW);
        assertThat(jitter.get("a").effective()).isEqualTo(100);
        assertThat(jitter.get("b").effective()).isEqualTo(100);
        assertThat(jitter.get("a").terms().get(4).reason()).contains("dead band");
        // 20 % apart moves.
        var real = compute(two(new LoadReport(-1, -1, NOW, 330, 1.0), new LoadReport(-1, -1, NOW, 270, 1.0)), null, previous, NOW);
        assertThat(real.get("a").effective()).isEqualTo(110);
        assertThat(real.get("b").effective()).isEqualTo(90);
    }

    @Test
    void blackoutAndExpiryGiveFactorOne() {
        var regs = two(new LoadReport(-1, -1, NOW, 300, 0.3), new LoadReport(-1, -1, NOW, 300, 0.9));
        var inBlackout = compute(regs, null, seen(NOW - 5_000), NOW);
        assertThat(inBlackout.get("a").terms().get(1).value()).isEqualTo(1.0);
        assertThat(inBlackout.get("a").terms().get(1).reason()).startsWith("blackout");
        var old = two(new LoadReport(-1, -1, NOW - 200_000, 300, 0.3), new LoadReport(-1, -1, NOW - 200_000, 300, 0.9));
        var expired = compute(old, null, seen(NOW - 300_000), NOW);
        assertThat(expired.get("a").terms().get(1).value()).isEqualTo(1.0);
        assertThat(expired.get("a").terms().get(1).reason()).startsWith("expired");
    }

    @Test
    void loadFactorIsClamped() {
        var regs = two(new LoadReport(-1, -1, NOW, 1000, 0.01), new LoadReport(-1, -1, NOW, 1, 1.0));
        SortedMap<String, BackendRegistration> all = new TreeMap<>(regs);
        var later = compute(all, null, seen(NOW - 20_000), NOW);
        assertThat(later.get("b").terms().get(1).value()).isEqualTo(WeightConfig.MIN_LOAD);
    }

    @Test
    void slowStartRamp() {
        SlowStartConfig linear = new SlowStartConfig(10_000, 1.0, 10);
        assertThat(linear.ramp(0)).isEqualTo(0.1);
        assertThat(linear.ramp(5_000)).isCloseTo(0.5, within(1e-9));
        assertThat(linear.ramp(10_000)).isEqualTo(1.0);
        SlowStartConfig aggressive = new SlowStartConfig(10_000, 2.0, 10);
        assertThat(aggressive.ramp(0)).isEqualTo(0.1);
        assertThat(aggressive.ramp(5_000)).isCloseTo(Math.sqrt(0.5), within(1e-9));
        assertThat(aggressive.ramp(10_000)).isEqualTo(1.0);

        SortedMap<String, BackendRegistration> regs = new TreeMap<>(Map.of("a", reg("a", 100, null, NOW - 5_000)));
        assertThat(compute(regs, linear, Map.of(), NOW).get("a").effective()).isEqualTo(50);
        assertThat(compute(regs, null, Map.of(), NOW).get("a").effective()).isEqualTo(100);
    }

    @Test
    void dampingBoundsTheChangePerStep() {
        SortedMap<String, BackendRegistration> regs = new TreeMap<>(Map.of("a", reg("a", 1000, null, 0)));
        Map<String, WeightResult> previous = Map.of("a", new WeightResult(100, 1000, java.util.List.of(), -1, 0));
        WeightResult up = compute(regs, null, previous, NOW).get("a");
        assertThat(up.effective()).isEqualTo(150);
        assertThat(up.terms().get(4).reason()).startsWith("undamped 1000");
        WeightResult next = compute(regs, null, Map.of("a", up), NOW + 1000).get("a");
        assertThat(next.effective()).isEqualTo(225);
        Map<String, WeightResult> high = Map.of("a", new WeightResult(4000, 1000, java.util.List.of(), -1, 0));
        assertThat(compute(regs, null, high, NOW).get("a").effective()).isEqualTo(2000);
        assertThat(WeightCalculator.timeDependent(Map.of("a", up))).isTrue();
    }

    @Test
    void drainedIsZeroAndOverrideIsBase() {
        SortedMap<String, BackendRegistration> regs = new TreeMap<>(Map.of("a", reg("a", 100, null, 0)));
        var drained = WeightCalculator.compute(regs, id -> new EndpointOverride(null, true), null, Map.of(), NOW, WeightConfig.DEFAULT);
        assertThat(drained.get("a").effective()).isZero();
        assertThat(drained.get("a").terms().get(3).value()).isZero();
        var overridden = WeightCalculator.compute(regs, id -> new EndpointOverride(7, false), null, Map.of(), NOW, WeightConfig.DEFAULT);
        assertThat(overridden.get("a").effective()).isEqualTo(7);
        assertThat(overridden.get("a").base()).isEqualTo(7);
        assertThat(overridden.get("a").terms().get(0).reason()).contains("override");
        assertThat(WeightCalculator.timeDependent(overridden)).isFalse();
    }

    @Test
    void deterministicAndExplained() {
        var regs = two(new LoadReport(0.3, -1, NOW, 300, 0.3), new LoadReport(0.5, -1, NOW, 200, 0.9));
        SlowStartConfig slow = new SlowStartConfig(60_000, 1.5, 20);
        var first = compute(regs, slow, seen(NOW - 20_000), NOW);
        var second = compute(regs, slow, seen(NOW - 20_000), NOW);
        assertThat(first).isEqualTo(second);
        assertThat(first.get("a").terms()).extracting(WeightTerm::name)
                .containsExactly("base", "load", "slow_start", "health", "damping");
        assertThat(first.get("a").terms()).allSatisfy(t -> assertThat(t.reason()).isNotBlank());
    }

    @Test
    void oldLoadReportJsonParses() {
        LoadReport old = Json.read("{\"cpuUtilization\":0.5,\"inFlight\":3,\"reportedAtMillis\":42}"
                .getBytes(StandardCharsets.UTF_8), LoadReport.class, "test");
        assertThat(old).isEqualTo(new LoadReport(0.5, 3, 42, -1, -1));
        LoadReport roundTrip = Json.read(Json.write(new LoadReport(0.1, 2, 3, 40, 0.4)), LoadReport.class, "test");
        assertThat(roundTrip).isEqualTo(new LoadReport(0.1, 2, 3, 40, 0.4));
    }
}
