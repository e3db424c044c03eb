package io.ballast.agent.health;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.common.json.Json;
import java.time.Duration;
import java.util.Optional;

/**
 * The health-check settings an operator pushes to a service's agents, in
 * {@code config/services/<service>} (protobuf JSON of {@code ServicePolicy}; the agent reads its
 * {@code healthCheck} object with Jackson so it needs no protobuf runtime). Each field left 0 or
 * empty keeps the agent's own option. Pure; any thread.
 */
public final class PushedHealthCheck {

    private PushedHealthCheck() {}

    /**
     * The agent's check with the pushed fields applied; empty when the payload has no
     * {@code healthCheck} (then the agent's own options apply). Throws IllegalArgumentException
     * naming the field when a pushed value is invalid (the control plane validates before
     * writing, so that is a foreign write), or when the payload is not JSON.
     */
    public static Optional<HealthCheckConfig> apply(HealthCheckConfig own, byte[] servicePolicyJson) {
        JsonNode check;
        try {
            check = Json.mapper().readTree(servicePolicyJson).path("healthCheck");
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("config/services payload: not JSON (" + e.getMessage() + ")");
        }
        if (check.isMissingNode() || check.isNull()) {
            return Optional.empty();
        }
        String kind = check.path("kind").asText("");
        String path = check.path("path").asText("");
        int min = check.path("statusMin").asInt(0);
        int max = check.path("statusMax").asInt(0);
        long interval = check.path("intervalMillis").asLong(0);
        long timeout = check.path("timeoutMillis").asLong(0);
        int rise = check.path("rise").asInt(0);
        int fall = check.path("fall").asInt(0);
        return Optional.of(new HealthCheckConfig(
                kind.isEmpty() ? own.kind() : HealthCheckKind.parse("health_check.kind", kind),
                path.isEmpty() ? own.path() : path,
                min == 0 ? own.minStatus() : min,
                max == 0 ? own.maxStatus() : max,
                interval == 0 ? own.interval() : Duration.ofMillis(interval),
                timeout == 0 ? own.timeout() : Duration.ofMillis(timeout),
                rise == 0 ? own.rise() : rise,
                fall == 0 ? own.fall() : fall));
    }
}
