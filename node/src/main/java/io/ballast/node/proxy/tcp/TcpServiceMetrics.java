package io.ballast.node.proxy.tcp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one TCP service, resolved once per applied snapshot so that connections never look
 * one up: open connections (a gauge), connections by {@link Outcome}, and bytes in (from clients)
 * and out (to clients).
 *
 * <p>Threading: every method is lock-free and may be called from any event loop.
 */
final class TcpServiceMetrics {

    static final String ACTIVE = "ballast.node.tcp.connections.active";
    static final String CONNECTIONS = "ballast.node.tcp.connections";
    static final String BYTES = "ballast.node.tcp.bytes";

    private final LongAdder active;
    private final Map<Outcome, Counter> outcomes;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final List<Meter> meters = new ArrayList<>();

    private TcpServiceMetrics(MeterRegistry registry, String service, LongAdder active) {
        this.active = active;
        meters.add(Gauge.builder(ACTIVE, active, LongAdder::sum).description("Open TCP client connections")
                .tag("service", service).register(registry));
        outcomes = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            Counter counter = Counter.builder(CONNECTIONS).description("TCP client connections, by how they ended")
                    .tag("service", service).tag("outcome", outcome.tag).register(registry);
            outcomes.put(outcome, counter);
            meters.add(counter);
        }
        bytesIn = bytes(registry, service, "in");
        bytesOut = bytes(registry, service, "out");
    }

    /** Registers (or finds) the meters of {@code service}; {@code active} is the gauge's source, kept across snapshots. */
    static TcpServiceMetrics register(MeterRegistry registry, String service, LongAdder active) {
        return new TcpServiceMetrics(registry, service, active);
    }

    private Counter bytes(MeterRegistry registry, String service, String direction) {
        Counter counter = Counter.builder(BYTES).description("Bytes relayed: in from clients, out to clients")
                .tag("service", service).tag("direction", direction).baseUnit("bytes").register(registry);
        meters.add(counter);
        return counter;
    }

    void opened() {
        active.increment();
    }

    /** A connection that was {@link #opened} ended. */
    void closed(Outcome outcome) {
        active.decrement();
        ended(outcome);
    }

    /** A connection ended, open or refused before it was relayed. */
    void ended(Outcome outcome) {
        outcomes.get(outcome).increment();
    }

    void bytesIn(int bytes) {
        bytesIn.increment(bytes);
    }

    void bytesOut(int bytes) {
        bytesOut.increment(bytes);
    }

    List<Meter> meters() {
        return meters;
    }
}
