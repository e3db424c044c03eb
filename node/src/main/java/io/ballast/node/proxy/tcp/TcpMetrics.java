package io.ballast.node.proxy.tcp;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The TCP listeners' meters in the node's registry, per service. Series of services that left
 * the snapshot are removed by {@link #retain}; the names start with {@code ballast.node.tcp.},
 * which the HTTP proxy's own clean-up leaves alone.
 *
 * <p>Threading: {@link #service} and {@link #retain} run on the snapshot-applying thread, one
 * call at a time (the TCP proxy holds its lock).
 */
final class TcpMetrics {

    private final MeterRegistry registry;
    private final Map<String, LongAdder> active = new HashMap<>();

    TcpMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    TcpServiceMetrics service(String service) {
        return TcpServiceMetrics.register(registry, service, active.computeIfAbsent(service, s -> new LongAdder()));
    }

    /** Removes the series of every service not in {@code live}. */
    void retain(Map<String, TcpServiceMetrics> live) {
        Set<Meter.Id> keep = new HashSet<>();
        live.values().forEach(m -> m.meters().forEach(meter -> keep.add(meter.getId())));
        for (Meter meter : registry.getMeters()) {
            if (meter.getId().getName().startsWith("ballast.node.tcp.") && !keep.contains(meter.getId())) {
                registry.remove(meter);
            }
        }
        active.keySet().retainAll(live.keySet());
    }
}
