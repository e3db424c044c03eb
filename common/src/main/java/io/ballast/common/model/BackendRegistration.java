package io.ballast.common.model;

import io.ballast.common.config.Checks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The payload of {@code backends/<service>/<endpoint-id>}: an agent's registration of a
 * healthy backend. Written by the agent, read by every control-plane replica.
 *
 * @param service service name ({@link Checks#NAME})
 * @param id endpoint id, unique within the service ({@link Checks#ID})
 * @param host address the data plane connects to
 * @param port TCP port, 1..65535
 * @param zone locality zone, may be empty
 * @param weight declared weight, 0..10000
 * @param metadata free-form labels, at most 32
 * @param agentVersion version of the agent that wrote this payload
 * @param startedAtMillis when the agent started, milliseconds since the Unix epoch
 * @param load latest load report, may be null
 * @param draining the agent is stopping: no new traffic, and it deregisters once the leader's
 *                 drain barrier is complete (payloads written before the field existed read false)
 */
public record BackendRegistration(
        String service,
        String id,
        String host,
        int port,
        String zone,
        int weight,
        Map<String, String> metadata,
        String agentVersion,
        long startedAtMillis,
        LoadReport load,
        boolean draining) {

    public static final int MAX_METADATA = 32;

    public BackendRegistration {
        zone = zone == null ? "" : zone;
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** Not draining. */
    public BackendRegistration(String service, String id, String host, int port, String zone, int weight,
                               Map<String, String> metadata, String agentVersion, long startedAtMillis, LoadReport load) {
        this(service, id, host, port, zone, weight, metadata, agentVersion, startedAtMillis, load, false);
    }

    public BackendRegistration withLoad(LoadReport newLoad) {
        return new BackendRegistration(service, id, host, port, zone, weight, metadata, agentVersion, startedAtMillis, newLoad,
                draining);
    }

    public BackendRegistration withDraining(boolean stopping) {
        return new BackendRegistration(service, id, host, port, zone, weight, metadata, agentVersion, startedAtMillis, load,
                stopping);
    }

    /** Every problem with this payload, each in the {@code field: value (expected: ...)} style; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        collect(problems, () -> Checks.checkName("service", service));
        collect(problems, () -> Checks.checkId("id", id));
        collect(problems, () -> Checks.checkNotBlank("host", host));
        collect(problems, () -> Checks.checkPort("port", port));
        collect(problems, () -> Checks.checkWeight("weight", weight));
        collect(problems, () -> Checks.check(metadata.size() <= MAX_METADATA, "metadata", metadata.size() + " entries", "at most " + MAX_METADATA));
        return problems;
    }

    private static void collect(List<String> problems, Runnable check) {
        try {
            check.run();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
    }
}
