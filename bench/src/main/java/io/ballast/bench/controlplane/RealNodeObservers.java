package io.ballast.bench.controlplane;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link Observers} over real nodes: one thread per node polls its {@code /snapshot} every
 * {@code pollMicros} while a change is being awaited (and not otherwise, so the polling costs the
 * machine nothing between changes). A node holds a version from the first poll that shows it, so
 * each time is late by at most one poll interval plus one request (~0.3 ms on loopback).
 */
final class RealNodeObservers implements Observers, AutoCloseable {

    private final List<RealNodeProbe> probes;
    private final long pollMicros;
    private final ExecutorService pollers;

    RealNodeObservers(List<RealNodeProbe> probes, long pollMicros) {
        this.probes = List.copyOf(probes);
        this.pollMicros = pollMicros;
        this.pollers = Executors.newFixedThreadPool(probes.size());
    }

    @Override
    public int count() {
        return probes.size();
    }

    @Override
    public long settledVersion(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long agreed = Long.MIN_VALUE;
        long since = System.nanoTime();
        while (true) {
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (RealNodeProbe probe : probes) {
                long version = probe.read(null, null).version();
                min = Math.min(min, version);
                max = Math.max(max, version);
            }
            long now = System.nanoTime();
            if (min != max || min < 0 || min != agreed) {
                agreed = min == max ? min : Long.MIN_VALUE;
                since = now;
            } else if (now - since >= TimeUnit.MILLISECONDS.toNanos(100)) {
                return agreed;
            }
            if (now - deadline > 0) {
                throw new IllegalStateException("nodes did not settle within " + timeout.toMillis() + " ms (versions "
                        + min + ".." + max + ")");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    @Override
    public long[] awaitAbove(long version, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Future<Long>> seen = new ArrayList<>();
        for (RealNodeProbe probe : probes) {
            seen.add(pollers.submit(() -> {
                while (System.nanoTime() - deadline < 0) {
                    long before = System.nanoTime();
                    if (probe.read(null, null).version() > version) {
                        // The response was built somewhere between sending and now: take the midpoint.
                        return before + (System.nanoTime() - before) / 2;
                    }
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(pollMicros));
                }
                return -1L;
            }));
        }
        long[] times = new long[probes.size()];
        for (int i = 0; i < times.length; i++) {
            try {
                times[i] = seen.get(i).get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException(probes.get(i).name() + ": " + e);
            }
            if (times[i] < 0) {
                throw new IllegalStateException(probes.get(i).name() + " applied no version above " + version + " within "
                        + timeout.toMillis() + " ms");
            }
        }
        return times;
    }

    @Override
    public long[] bytesOfFirstAbove(long version) {
        return new long[0];
    }

    @Override
    public String checkWeight(String service, String id, int weight) {
        for (RealNodeProbe probe : probes) {
            int actual = probe.read(service, id).weight();
            if (actual != weight) {
                return probe.name() + ": " + service + "/" + id + " has weight " + actual + ", expected " + weight;
            }
        }
        return null;
    }

    @Override
    public void close() {
        pollers.shutdownNow();
    }
}
