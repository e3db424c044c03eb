package io.ballast.node.proxy;

import io.ballast.proto.v1.EndpointOutcomes;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every service's {@link ServiceOutliers} on this node, keyed by service name, and in each its
 * {@link EndpointHealth} keyed by backend address (host:port). Keyed by address rather than by
 * endpoint id: reports name addresses, and a backend re-registered under a new id (an agent
 * restart) is still the same backend. An entry lives while the applied snapshot keeps the service
 * and the address in it (any state), so ejections and budgets survive snapshots.
 *
 * <p>Threading: lookups ({@link #service}, {@link #endpoint}) and {@link #retain} run on the thread
 * that builds and installs routing tables; {@link #outcomes} on the reporter thread. Maps are
 * concurrent; the data path never touches this class, only the objects it handed out.
 */
final class HealthRegistry {

    private final int loops;
    private final Map<String, ServiceOutliers> services = new ConcurrentHashMap<>();

    /** @param loops the proxy's I/O event loops (sizes the per-loop state) */
    HealthRegistry(int loops) {
        this.loops = loops;
    }

    int loops() {
        return loops;
    }

    ServiceOutliers service(String name) {
        return services.computeIfAbsent(name, n -> new ServiceOutliers(n, loops));
    }

    EndpointHealth endpoint(ServiceOutliers service, BackendAddress address) {
        return service.endpoints.computeIfAbsent(address, a -> new EndpointHealth(a, loops));
    }

    /** Keeps only the services of {@code table} and, in each, only the addresses it has. */
    void retain(RoutingTable table) {
        services.keySet().removeIf(name -> table.service(name) == null);
        services.forEach((name, outliers) -> {
            Set<BackendAddress> keep = new HashSet<>();
            for (EndpointHealth health : table.service(name).health()) {
                keep.add(health.address);
            }
            outliers.endpoints.keySet().retainAll(keep);
        });
    }

    /**
     * What every address saw since the previous call, over all loops and services (an address in
     * two services is summed; ejected if either ejects it, for the longer remaining time). Addresses
     * that saw nothing and are not ejected are left out. The reporter thread; synchronized so
     * that the previous sums belong to one caller.
     */
    synchronized Map<String, EndpointOutcomes> outcomes(long nowNanos) {
        Map<String, EndpointOutcomes.Builder> byAddress = new TreeMap<>();
        for (ServiceOutliers service : services.values()) {
            for (EndpointHealth h : service.endpoints.values()) {
                long successes = h.successes();
                long errors = h.errors5xx();
                long gateway = h.gatewayFailures();
                long latency = h.latencyMicros();
                long ejectedFor = h.ejectedForMillis(nowNanos);
                EndpointOutcomes.Builder delta = EndpointOutcomes.newBuilder()
                        .setSuccesses(successes - h.reportedSuccesses)
                        .setErrors5Xx(errors - h.reported5xx)
                        .setGatewayFailures(gateway - h.reportedGateway)
                        .setLatencyMicrosSum(latency - h.reportedLatencyMicros)
                        .setEjected(ejectedFor > 0)
                        .setEjectedForMillis(ejectedFor);
                h.reportedSuccesses = successes;
                h.reported5xx = errors;
                h.reportedGateway = gateway;
                h.reportedLatencyMicros = latency;
                if (delta.getSuccesses() == 0 && delta.getErrors5Xx() == 0 && delta.getGatewayFailures() == 0 && !delta.getEjected()) {
                    continue;
                }
                byAddress.merge(h.address.toString(), delta, HealthRegistry::sum);
            }
        }
        Map<String, EndpointOutcomes> result = new TreeMap<>();
        byAddress.forEach((address, builder) -> result.put(address, builder.build()));
        return result;
    }

    private static EndpointOutcomes.Builder sum(EndpointOutcomes.Builder a, EndpointOutcomes.Builder b) {
        return a.setSuccesses(a.getSuccesses() + b.getSuccesses())
                .setErrors5Xx(a.getErrors5Xx() + b.getErrors5Xx())
                .setGatewayFailures(a.getGatewayFailures() + b.getGatewayFailures())
                .setLatencyMicrosSum(a.getLatencyMicrosSum() + b.getLatencyMicrosSum())
                .setEjected(a.getEjected() || b.getEjected())
                .setEjectedForMillis(Math.max(a.getEjectedForMillis(), b.getEjectedForMillis()));
    }

    /** All services' state (tests). */
    Collection<ServiceOutliers> services() {
        return services.values();
    }
}
