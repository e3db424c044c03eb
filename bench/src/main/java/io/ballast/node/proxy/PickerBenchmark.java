package io.ballast.node.proxy;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Service;
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
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PickerBenchmark {

    @Param({"ROUND_ROBIN", "WEIGHTED_ROUND_ROBIN", "RANDOM", "LEAST_CONNECTIONS", "LEAST_REQUEST"})
    public String algorithm;

    @Param({"3", "100", "10000"})
    public int endpoints;

    private EndpointPicker picker;
    private long hash;

    @Setup(Level.Trial)
    public void build() {
        Service.Builder service = Service.newBuilder().setName("bench")
                .setPolicy(Policy.newBuilder().setAlgorithm(LbAlgorithm.valueOf(algorithm)));
        for (int i = 0; i < endpoints; i++) {
            service.addEndpoints(Endpoint.newBuilder().setId("e" + i).setHost("10.0." + (i / 250) + "." + (i % 250))
                    .setPort(8080).setWeight(1 + i % 10).setDeclaredWeight(1 + i % 10).setState(EndpointState.ACTIVE));
        }
        picker = Pickers.forLoops(service.build(), 1)[0];
    }

    @Benchmark
    public BackendEndpoint pick() {
        // A changing key, as requests with different hash keys would bring; only hashing policies read it.
        hash = hash * 6364136223846793005L + 1442695040888963407L;
        return picker.pick(hash);
    }
}
