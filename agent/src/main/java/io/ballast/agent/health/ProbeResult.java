package io.ballast.agent.health;

/**
 * The outcome of one probe.
 *
 * @param passed whether the backend answered as expected
 * @param detail what happened, for logs ({@code HTTP 503}, {@code connect refused}, ...)
 */
public record ProbeResult(boolean passed, String detail) {

    static ProbeResult pass(String detail) {
        return new ProbeResult(true, detail);
    }

    static ProbeResult fail(String detail) {
        return new ProbeResult(false, detail);
    }
}
