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
 * Time to build the pickers of one service for a new snapshot, through {@link Pickers#forLoops}
 * as the node does it (off the event loops): the eligible endpoint list plus the policy's lookup
 * structure. The hashing pickers are immutable and shared by every loop, so the loop count does
 * not change the figure; one loop is used.
 *
 * <p>Cases ({@code shape}):
 * <ul>
 *   <li>{@code MAGLEV_100}, {@code MAGLEV_10000}: Maglev with the default table
 *       ({@link MaglevPicker#defaultSize}: 65,537 at 100 endpoints, 5,000,011 at 10,000 since
 *       100 × 10,000 &gt; 655,373);</li>
 *   <li>{@code RING_HASH_10000}: ring hash with the default ring size (1,024, at least one point
 *       per endpoint, so 10,000 points); {@code RING_HASH_10000_1M}: {@code ring_size} 1,000,000;</li>
 *   <li>{@code ROUND_ROBIN_10000}: the baseline, the part of the build every policy pays
 *       (the eligible list), with no lookup structure.</li>
 * </ul>
 * Endpoints have weights 1..10 as in {@link PickerBenchmark}. Run with {@code bench/run}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PickerBuildBenchmark {

    @Param({"MAGLEV_100", "MAGLEV_10000", "RING_HASH_10000", "RING_HASH_10000_1M", "ROUND_ROBIN_10000"})
    public String shape;

    private Service service;

    @Setup(Level.Trial)
    public void prepare() {
        int endpoints;
        Policy.Builder policy = Policy.newBuilder();
        HashKey key = HashKey.newBuilder().setSource(HashKey.Source.HEADER).setName("x-user").build();
        switch (shape) {
            case "MAGLEV_100" -> {
                endpoints = 100;
                policy.setAlgorithm(LbAlgorithm.MAGLEV).setHashKey(key);
                expect(MaglevPicker.defaultSize(endpoints), 65_537);
            }
            case "MAGLEV_10000" -> {
                endpoints = 10_000;
                policy.setAlgorithm(LbAlgorithm.MAGLEV).setHashKey(key);
                expect(MaglevPicker.defaultSize(endpoints), 5_000_011);
            }
            case "RING_HASH_10000" -> {
                endpoints = 10_000;
                policy.setAlgorithm(LbAlgorithm.RING_HASH).setHashKey(key);
                expect(PolicyRules.DEFAULT_RING_SIZE, 1_024);
            }
            case "RING_HASH_10000_1M" -> {
                endpoints = 10_000;
                policy.setAlgorithm(LbAlgorithm.RING_HASH).setHashKey(key).setRingSize(1_000_000);
            }
            case "ROUND_ROBIN_10000" -> {
                endpoints = 10_000;
                policy.setAlgorithm(LbAlgorithm.ROUND_ROBIN);
            }
            default -> throw new IllegalArgumentException("shape: " + shape);
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
        service = builder.build();
    }

    private static void expect(int actual, int expected) {
        if (actual != expected) {
            throw new IllegalStateException("size " + actual + ", the benchmark expects " + expected);
        }
    }

    @Benchmark
    public EndpointPicker[] build() {
        return Pickers.forLoops(service, 1);
    }
}
