package io.ballast.node.proxy;

import io.ballast.common.policy.PolicyRules;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.HashKey;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Service;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Picks per second of each policy the node implements, at 3, 100 and 10,000 endpoints with
 * distinct weights (1..10), built exactly as the node builds them ({@link Pickers#forLoops}) and
 * called as an event loop calls them (one thread, its own picker). Lives in the node's package
 * because the pickers are package-private. Run with {@code bench/run}.
 *
 * <p>Policies take their defaults, as a service whose policy names only the algorithm: two
 * choices for least request and peak EWMA, ring hash without {@code ring_size} (1,024 points,
 * but at least one per endpoint, so 10,000 points at 10,000 endpoints), Maglev without
 * {@code maglev_table_size} ({@link MaglevPicker#defaultSize}: 65,537 up to 655 endpoints,
 * then 655,373, then 5,000,011). The hashing policies get a header hash key (which they need to
 * pass validation); the benchmark feeds them a changing 64-bit hash directly, so hashing the
 * header value itself ({@link RequestHash}) is not in the figure.
 *
 * <p>Tracker state ({@code load}): {@code idle} is the state {@link Pickers#forLoops} gives a
 * loop for a new snapshot, nothing in flight and no latency measured yet (least connections and
 * least request then see all costs equal, peak EWMA sees 1 ns / weight). {@code busy} is the
 * state of a loop that has been serving for a while: every endpoint has a latency estimate from
 * a few finished requests (1..20 ms) and 0..3 requests in flight. Pickers do not update the
 * tracker (only {@link Exchange} does), so the state stays as set for the whole trial. Only the
 * load-aware policies read the tracker; run {@code -p load=busy} with those.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PickerBenchmark {

    @Param({"ROUND_ROBIN", "WEIGHTED_ROUND_ROBIN", "RANDOM", "LEAST_CONNECTIONS", "LEAST_REQUEST", "PEAK_EWMA",
            "RING_HASH", "MAGLEV"})
    public String algorithm;

    @Param({"3", "100", "10000"})
    public int endpoints;

    /** {@code idle} (a fresh snapshot's trackers) or {@code busy} (latency estimates and requests in flight). */
    @Param({"idle"})
    public String load;

    private EndpointPicker picker;
    private long hash;

    @Setup(Level.Trial)
    public void build() {
        LbAlgorithm lb = LbAlgorithm.valueOf(algorithm);
        Policy.Builder policy = Policy.newBuilder().setAlgorithm(lb);
        if (lb == LbAlgorithm.RING_HASH || lb == LbAlgorithm.MAGLEV) {
            policy.setHashKey(HashKey.newBuilder().setSource(HashKey.Source.HEADER).setName("x-user"));
        }
        List<String> problems = new ArrayList<>();
        PolicyRules.check(problems, "policy", policy.build(), endpoints, PolicyRules.Origin.SNAPSHOT);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the node would refuse this policy: " + problems);
        }
        Service.Builder builder = Service.newBuilder().setName("bench").setPolicy(policy);
        for (int i = 0; i < endpoints; i++) {
            builder.addEndpoints(Endpoint.newBuilder().setId("e" + i).setHost("10.0." + (i / 250) + "." + (i % 250))
                    .setPort(8080).setWeight(1 + i % 10).setDeclaredWeight(1 + i % 10).setState(EndpointState.ACTIVE));
        }
        Service service = builder.build();
        // What Pickers.forLoops(service, 1) does, with the loop's tracker in hand to set its state.
        LoadTracker[] trackers = Pickers.trackers(service, 1);
        switch (load) {
            case "idle" -> { }
            case "busy" -> serve(trackers[0]);
            default -> throw new IllegalArgumentException("load: " + load + " (expected: idle or busy)");
        }
        picker = Pickers.forLoops(service, trackers)[0];
    }

    /** Puts a tracker in the state of a loop that has served for a while, through the calls Exchange makes. */
    private static void serve(LoadTracker tracker) {
        SplittableRandom random = new SplittableRandom(42);
        long now = System.nanoTime();
        for (int i = 0; i < tracker.size(); i++) {
            for (int r = 0; r < 4; r++) {
                tracker.start(i);
                now += 1_000_000;
                tracker.finish(i, 1_000_000L * (1 + random.nextInt(20)), now);
            }
            int inFlight = random.nextInt(4);
            for (int r = 0; r < inFlight; r++) {
                tracker.start(i);
            }
        }
    }

    @Benchmark
    public BackendEndpoint pick() {
        // A changing key, as requests with different hash keys would bring; only hashing policies read it.
        hash = hash * 6364136223846793005L + 1442695040888963407L;
        return picker.pick(hash);
    }
}
