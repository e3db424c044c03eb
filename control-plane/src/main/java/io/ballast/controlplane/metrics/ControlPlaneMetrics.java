package io.ballast.controlplane.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The metrics of one control-plane replica, in a private Prometheus registry (never Micrometer's
 * global one) that {@code --metrics host:port} serves: whether it leads, the epoch it leads with,
 * the version of its latest snapshot, the nodes subscribed to it, push-to-ACK latency, NACKs and the bytes
 * of each push (full or delta). Every metric is listed in {@code docs/operations.md}.
 *
 * <p>Threading: the control loop's state thread calls the update methods; the gauges read
 * atomics, so {@link #scrape} may run on any thread (the metrics server's).
 */
public final class ControlPlaneMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong leader = new AtomicLong();
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicLong version = new AtomicLong();
    private final AtomicLong nodes = new AtomicLong();
    private final Timer pushToAck;
    private final Counter nacks;
    private final DistributionSummary fullPushBytes;
    private final DistributionSummary deltaPushBytes;
    private final AtomicLong flapHeld = new AtomicLong();
    private final MultiGauge selfPreservation;
    private final MultiGauge outlierEjected;
    private java.util.Map<String, Integer> lastSelfPreservation = java.util.Map.of();
    private java.util.Map<String, Integer> lastOutlierEjected = java.util.Map.of();

    public ControlPlaneMetrics() {
        gauge("ballast.control.plane.leader", leader, "1 while this replica is the active leader, else 0");
        gauge("ballast.control.plane.epoch", epoch, "Epoch this replica leads with, 0 while it does not lead");
        gauge("ballast.control.plane.snapshot.version", version,
                "Version of the latest snapshot this replica published, 0 while it does not lead");
        gauge("ballast.control.plane.nodes.connected", nodes, "Nodes subscribed to this replica's snapshots");
        pushToAck = Timer.builder("ballast.control.plane.push.ack.duration")
                .description("From sending a snapshot to a node to the node's ACK of it")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        nacks = Counter.builder("ballast.control.plane.nacks").description("Snapshots refused by a node (NACK)")
                .register(registry);
        fullPushBytes = pushBytes("full");
        deltaPushBytes = pushBytes("delta");
        selfPreservation = MultiGauge.builder("ballast.control.plane.self.preservation")
                .description("1 per service in self-preservation (vanished registrations held as SUSPECT)").register(registry);
        outlierEjected = MultiGauge.builder("ballast.control.plane.outlier.ejected")
                .description("Endpoints ejected cluster-wide by outlier quorum, per service").register(registry);
        gauge("ballast.control.plane.flap.held", flapHeld, "Endpoints held down by flap damping");
    }

    /**
     * Failure handling in force: services in self-preservation and outlier ejections per service
     * (services without any are absent), endpoints held down by flap damping.
     */
    public void health(java.util.Map<String, Integer> selfPreservationByService, java.util.Map<String, Integer> outlierEjectedByService,
                       int flapHeldEndpoints) {
        flapHeld.set(flapHeldEndpoints);
        if (!selfPreservationByService.equals(lastSelfPreservation)) {
            lastSelfPreservation = java.util.Map.copyOf(selfPreservationByService);
            selfPreservation.register(rows(lastSelfPreservation), true);
        }
        if (!outlierEjectedByService.equals(lastOutlierEjected)) {
            lastOutlierEjected = java.util.Map.copyOf(outlierEjectedByService);
            outlierEjected.register(rows(lastOutlierEjected), true);
        }
    }

    private static java.util.List<MultiGauge.Row<?>> rows(java.util.Map<String, Integer> byService) {
        return byService.entrySet().stream().<MultiGauge.Row<?>>map(e -> MultiGauge.Row.of(Tags.of("service", e.getKey()), e.getValue()))
                .toList();
    }

    private DistributionSummary pushBytes(String kind) {
        return DistributionSummary.builder("ballast.control.plane.push.bytes").baseUnit("bytes").tag("kind", kind)
                .description("Size of each snapshot push sent to a node (the whole message), by kind: full snapshot or delta")
                .register(registry);
    }

    /** A push of {@code bytes} was sent to a node: a delta when {@code delta}, else a full snapshot. */
    public void pushed(boolean delta, int bytes) {
        (delta ? deltaPushBytes : fullPushBytes).record(bytes);
    }

    private void gauge(String name, AtomicLong value, String description) {
        Gauge.builder(name, value, AtomicLong::get).description(description).register(registry);
    }

    /** This replica became the active leader with {@code leaderEpoch}. */
    public void leading(long leaderEpoch) {
        epoch.set(leaderEpoch);
        leader.set(1);
    }

    /** This replica stopped leading (or never did): every stream ended, nothing published. */
    public void notLeading() {
        leader.set(0);
        epoch.set(0);
        version.set(0);
        nodes.set(0);
    }

    /** A snapshot with {@code snapshotVersion} was published to the subscribers. */
    public void published(long snapshotVersion) {
        version.set(snapshotVersion);
    }

    /** {@code count} nodes are subscribed now. */
    public void subscribers(int count) {
        nodes.set(count);
    }

    /**
     * A node answered the snapshot last sent to it.
     *
     * @param latencyNanos from sending that snapshot to this answer
     */
    public void answered(boolean accepted, long latencyNanos) {
        if (accepted) {
            pushToAck.record(latencyNanos, TimeUnit.NANOSECONDS);
        } else {
            nacks.increment();
        }
    }

    /** Every metric in the Prometheus text format 0.0.4. */
    public String scrape() {
        return registry.scrape();
    }
}
