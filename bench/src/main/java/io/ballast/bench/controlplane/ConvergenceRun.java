package io.ballast.bench.controlplane;

import io.ballast.proto.v1.AdminGrpc;
import io.ballast.proto.v1.SetWeightRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * Measures convergence: the time from an admin {@code SetWeight} call (taken just before the
 * blocking call is made) to the moment every observed node holds a snapshot newer than the one
 * they all held before, which then carries the new weight (checked after each change). Changes
 * are made one at a time, on a randomly chosen endpoint, with a weight that always differs from
 * its current one (so the base weight changes and the weight damping lets it through at once),
 * each after the nodes have settled and a random pause of 150..250 ms.
 *
 * <p>Runs on the benchmark's main thread. A change that does not converge within 30 s, or whose
 * weight is wrong on a node, ends the run with {@link IllegalStateException}.
 */
final class ConvergenceRun {

    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Unrecorded changes before each case, unless {@code --warmup} says otherwise: the six JVMs of
     * the bench on two cores are still JIT-compiling for ~20 s, which the first changes would measure.
     */
    private static final int DEFAULT_WARMUP = 40;
    private static final int DEFAULT_CHANGES = 40;
    private static final int[] WEIGHTS = {20, 50, 200, 500, 1000};

    /** One change: milliseconds from the call to its answer, to the first and to the last node; bytes and CPU. */
    record Change(double rpcMillis, double firstMillis, double lastMillis, long bytesPerStream, long bytesAllStreams,
                  long leaderCpuNanos, long leaderWrittenBytes, long startWallMillis, long versionBefore) {}

    private final AdminGrpc.AdminBlockingStub admin;
    private final Observers observers;
    private final ProcStat leader;
    private final List<String[]> candidates;
    private final Random random;
    /** The weight override of every endpoint changed so far in this cluster (they outlive one run). */
    private final Map<String, Integer> weights;
    private LongConsumer afterChange = version -> {};

    /**
     * @param candidates {service, id} pairs the changes pick from
     * @param weights the overrides earlier runs on the same cluster set, updated by this run: a
     *                run that did not know them could set a weight an endpoint already has, which
     *                publishes nothing
     */
    ConvergenceRun(AdminGrpc.AdminBlockingStub admin, Observers observers, ProcStat leader, List<String[]> candidates,
                   Map<String, Integer> weights, long seed) {
        this.admin = admin;
        this.weights = weights;
        this.observers = observers;
        this.leader = leader;
        this.candidates = candidates;
        this.random = new Random(seed);
    }

    /** Called after each change with the version all nodes held before it (e.g. to check the leader saw the ACKs). */
    ConvergenceRun afterChange(LongConsumer check) {
        this.afterChange = check;
        return this;
    }

    /** The {@code --warmup} unrecorded changes, then the {@code --changes} recorded ones. */
    List<Change> run(BenchArgs args) {
        return run(args.integer("warmup", DEFAULT_WARMUP, 0, 1000), args.integer("changes", DEFAULT_CHANGES, 1, 10_000));
    }

    /** {@code warmup} unrecorded changes, then {@code count} recorded ones. */
    private List<Change> run(int warmup, int count) {
        for (int i = 0; i < warmup; i++) {
            change();
        }
        List<Change> changes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            changes.add(change());
        }
        return changes;
    }

    private Change change() {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(150 + random.nextInt(100)));
        long before = observers.settledVersion(CHANGE_TIMEOUT);
        String[] target = candidates.get(random.nextInt(candidates.size()));
        String key = target[0] + "/" + target[1];
        int current = weights.getOrDefault(key, PlannedEndpoint.DECLARED_WEIGHT);
        int weight;
        do {
            weight = WEIGHTS[random.nextInt(WEIGHTS.length)];
        } while (weight == current);
        weights.put(key, weight);
        long cpu0 = leader.cpuNanos();
        long written0 = leader.writtenBytes();
        long wall = System.currentTimeMillis();
        long t0 = System.nanoTime();
        admin.withDeadlineAfter(10, TimeUnit.SECONDS)
                .setWeight(SetWeightRequest.newBuilder().setService(target[0]).setId(target[1]).setWeight(weight).build());
        long answered = System.nanoTime();
        long[] seen = observers.awaitAbove(before, CHANGE_TIMEOUT);
        long cpu1 = leader.cpuNanos();
        long written1 = leader.writtenBytes();
        String problem = observers.checkWeight(target[0], target[1], weight);
        if (problem != null) {
            throw new IllegalStateException("after SetWeight " + key + " = " + weight + ": " + problem);
        }
        afterChange.accept(before);
        long first = Arrays.stream(seen).min().orElse(t0);
        long last = Arrays.stream(seen).max().orElse(t0);
        long[] bytes = observers.bytesOfFirstAbove(before);
        long perStream = bytes.length == 0 ? 0 : Arrays.stream(bytes).sorted().toArray()[bytes.length / 2];
        return new Change(millis(answered - t0), millis(first - t0), millis(last - t0), perStream, Arrays.stream(bytes).sum(),
                cpu1 - cpu0, written1 - written0, wall, before);
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
