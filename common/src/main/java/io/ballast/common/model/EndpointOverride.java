package io.ballast.common.model;

/**
 * The payload of {@code config/endpoints/<service>/<endpoint-id>}: operator state for one
 * endpoint, persisted by the admin API before it acknowledges the call.
 *
 * @param weight weight override 0..10000, or null for "use the agent's declared weight"
 * @param drained true while the endpoint is drained (no new traffic)
 * @param ejected why an operator ejected the endpoint (no new traffic at once), null or empty when it is not;
 *                payloads written before the field existed read as not ejected
 */
public record EndpointOverride(Integer weight, boolean drained, String ejected) {

    public static final EndpointOverride NONE = new EndpointOverride(null, false, null);

    public EndpointOverride {
        ejected = ejected == null || ejected.isEmpty() ? null : ejected;
    }

    public EndpointOverride(Integer weight, boolean drained) {
        this(weight, drained, null);
    }

    /** Not {@code isEjected()}: Jackson would take that for a second "ejected" property beside the reason. */
    public boolean hasEjection() {
        return ejected != null;
    }

    public EndpointOverride withEjected(String reason) {
        return new EndpointOverride(weight, drained, reason);
    }

    public boolean isEmpty() {
        return weight == null && !drained && ejected == null;
    }
}
