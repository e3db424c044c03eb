package io.ballast.agent.health;

import io.ballast.common.config.Checks;
import java.time.Duration;

/**
 * How an agent probes its backend. Validated on construction; error messages name the
 * agent's command-line options ({@code interval-ms: 0 (expected: > 0)}).
 *
 * @param kind HTTP GET or TCP connect
 * @param path request path of an HTTP check, starting with {@code /}; ignored for TCP
 * @param minStatus lowest HTTP status that counts as a pass (inclusive)
 * @param maxStatus highest HTTP status that counts as a pass (inclusive)
 * @param interval delay between the end of one probe and the start of the next
 * @param timeout connect (and, for HTTP, response) timeout of one probe
 * @param rise consecutive passes that make an UNHEALTHY backend HEALTHY
 * @param fall consecutive failures that make a HEALTHY backend UNHEALTHY
 */
public record HealthCheckConfig(
        HealthCheckKind kind,
        String path,
        int minStatus,
        int maxStatus,
        Duration interval,
        Duration timeout,
        int rise,
        int fall) {

    public static final String DEFAULT_PATH = "/healthz";
    public static final int DEFAULT_MIN_STATUS = 200;
    public static final int DEFAULT_MAX_STATUS = 399;
    public static final long DEFAULT_INTERVAL_MILLIS = 1_000;
    public static final long DEFAULT_TIMEOUT_MILLIS = 500;
    public static final int DEFAULT_RISE = 2;
    public static final int DEFAULT_FALL = 2;
    /** More consecutive results than this would mean minutes of reaction time at sane intervals. */
    public static final int MAX_THRESHOLD = 100;

    public HealthCheckConfig {
        Checks.check(kind != null, "health-check", null, "http|tcp");
        Checks.check(path != null && path.startsWith("/") && path.chars().noneMatch(Character::isWhitespace),
                "health-path", path, "a path starting with / and without spaces");
        Checks.checkRange("health-status", minStatus, 100, 599);
        Checks.check(maxStatus >= minStatus && maxStatus <= 599, "health-status", minStatus + "-" + maxStatus,
                "MIN-MAX within 100-599");
        Checks.check(interval != null, "interval-ms", null, "> 0");
        Checks.checkPositive("interval-ms", interval.toMillis());
        Checks.check(timeout != null, "timeout-ms", null, "> 0");
        Checks.checkPositive("timeout-ms", timeout.toMillis());
        Checks.checkRange("rise", rise, 1, MAX_THRESHOLD);
        Checks.checkRange("fall", fall, 1, MAX_THRESHOLD);
    }

    /** The defaults: HTTP GET /healthz every second, 2xx/3xx passes, 500 ms timeout, rise 2, fall 2. */
    public static HealthCheckConfig defaults() {
        return new HealthCheckConfig(HealthCheckKind.HTTP, DEFAULT_PATH, DEFAULT_MIN_STATUS, DEFAULT_MAX_STATUS,
                Duration.ofMillis(DEFAULT_INTERVAL_MILLIS), Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS), DEFAULT_RISE,
                DEFAULT_FALL);
    }

    /**
     * Parses a status range {@code MIN-MAX} (e.g. {@code 200-399}) or a single status.
     *
     * @return {min, max}
     * @throws IllegalArgumentException {@code health-status: "2xx" (expected: MIN-MAX, e.g. 200-399)}
     */
    public static int[] parseStatusRange(String field, String value) {
        String expected = "MIN-MAX, e.g. 200-399";
        Checks.check(value != null && !value.isBlank(), field, value, expected);
        String[] parts = value.trim().split("-", -1);
        Checks.check(parts.length == 1 || parts.length == 2, field, value, expected);
        try {
            int min = Integer.parseInt(parts[0].trim());
            int max = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : min;
            return new int[] {min, max};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(Checks.message(field, value, expected));
        }
    }
}
