package io.ballast.agent.health;

import io.ballast.common.config.Checks;
import java.util.Locale;

/** How the backend is probed: an HTTP GET of a path, or a plain TCP connect. */
public enum HealthCheckKind {
    HTTP,
    TCP;

    /**
     * Parses {@code http} or {@code tcp}, in any case.
     *
     * @throws IllegalArgumentException {@code health-check: "udp" (expected: http|tcp)}
     */
    public static HealthCheckKind parse(String field, String value) {
        if (value != null) {
            for (HealthCheckKind kind : values()) {
                if (kind.name().equals(value.trim().toUpperCase(Locale.ROOT))) {
                    return kind;
                }
            }
        }
        throw new IllegalArgumentException(Checks.message(field, value, "http|tcp"));
    }
}
