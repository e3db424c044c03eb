package io.ballast.agent.health;

/** Whether the agent considers its backend fit to receive traffic. */
public enum HealthState {
    HEALTHY,
    UNHEALTHY
}
