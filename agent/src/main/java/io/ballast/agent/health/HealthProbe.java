package io.ballast.agent.health;

/**
 * One way of probing a backend. {@link #probe} blocks for at most the configured timeout
 * and never throws: every failure is a failed {@link ProbeResult}.
 */
interface HealthProbe {

    ProbeResult probe();
}
