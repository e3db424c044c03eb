package io.ballast.bench.controlplane;

import io.ballast.common.json.Json;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.zk.ZkPaths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One synthetic backend registration, as an agent would write it: a {@link BackendRegistration}
 * (declared weight 100, a zone, no metadata, no load report) at {@code backends/<service>/<id>}.
 * The addresses are never dialled (nodes only route by them), so they are unroutable 10/8 ones.
 */
record PlannedEndpoint(String service, String id, String host, int port, String zone) {

    static final int DECLARED_WEIGHT = 100;

    String path(ZkPaths paths) {
        return paths.backend(service, id);
    }

    byte[] payload(long startedAtMillis) {
        return payload(startedAtMillis, false);
    }

    /** @param draining as an agent that is stopping on purpose writes it before deregistering */
    byte[] payload(long startedAtMillis, boolean draining) {
        return Json.write(new BackendRegistration(service, id, host, port, zone, DECLARED_WEIGHT, Map.of(),
                "bench", startedAtMillis, null, draining));
    }

    /**
     * Endpoints {@code from} (inclusive) to {@code to} (exclusive) of each of {@code services} services
     * named {@code <prefix>-NNN}; endpoint {@code i} of service {@code s} is {@code e-<i>} at
     * {@code 10.<s>.<i / 250>.<i % 250 + 1>:8080} in zone {@code zone-<i % 3>}.
     */
    static List<PlannedEndpoint> grid(String prefix, int services, int from, int to) {
        List<PlannedEndpoint> planned = new ArrayList<>();
        for (int s = 0; s < services; s++) {
            for (int i = from; i < to; i++) {
                planned.add(new PlannedEndpoint(String.format("%s-%03d", prefix, s), String.format("e-%05d", i),
                        "10." + (s % 250) + "." + (i / 250) + "." + (i % 250 + 1), 8080, "zone-" + (i % 3)));
            }
        }
        return planned;
    }
}
