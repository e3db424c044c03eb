package io.ballast.common.model;

/**
 * The payload of {@code config/endpoints/<service>/<endpoint-id>}: operator state for one
 * endpoint, persisted by the admin API before it acknowledges the call.
 *
 * @param weight weight override 0..10000, or null for "use the agent's declared weight"
 * @param drained true while the endpoint is drained (no new traffic)
 */
public record EndpointOverride(Integer weight, boolean drained) {

    public static final EndpointOverride NONE = new EndpointOverride(null, false);

    public boolean isEmpty() {
        return weight == null && !drained;
    }
}
