package io.ballast.common.policy;

import io.ballast.common.config.Checks;
import io.ballast.proto.v1.HashKey;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Locality;
import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.RateLimit;
import io.ballast.proto.v1.RetryOn;
import io.ballast.proto.v1.RetryPolicy;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.SlowStart;
import io.ballast.proto.v1.TcpListener;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one set of rules for a service's {@link Policy}, shared by the admin API (which refuses a
 * bad SetServicePolicy with INVALID_ARGUMENT) and the node's snapshot validator (which NACKs a
 * bad snapshot), so the two can never disagree about what is valid. Each rule is written in
 * snapshot.proto next to its field.
 *
 * <p>Pure and stateless; any thread. Problems are appended in the {@link Checks} style with the
 * caller's path prefix, e.g. {@code settings.ring_size: 0 (expected: 1..8388608)}.
 */
public final class PolicyRules {

    public static final Set<LbAlgorithm> ALGORITHMS = EnumSet.of(LbAlgorithm.ROUND_ROBIN, LbAlgorithm.WEIGHTED_ROUND_ROBIN,
            LbAlgorithm.RANDOM, LbAlgorithm.LEAST_CONNECTIONS, LbAlgorithm.LEAST_REQUEST, LbAlgorithm.PEAK_EWMA,
            LbAlgorithm.RING_HASH, LbAlgorithm.MAGLEV);
    public static final String ALGORITHM_NAMES = "ROUND_ROBIN, WEIGHTED_ROUND_ROBIN, RANDOM, LEAST_CONNECTIONS,"
            + " LEAST_REQUEST, PEAK_EWMA, RING_HASH or MAGLEV";

    public static final int MAX_CONNECT_TIMEOUT_MILLIS = 60_000;
    public static final int MAX_RESPONSE_TIMEOUT_MILLIS = 3_600_000;
    public static final int MAX_CONNECT_RETRIES = 5;
    public static final int MAX_CHOICE_COUNT = 10;
    public static final int DEFAULT_CHOICE_COUNT = 2;
    public static final int MAX_RING_SIZE = 8_388_608;
    public static final int DEFAULT_RING_SIZE = 1_024;
    public static final int MAX_MAGLEV_TABLE_SIZE = 5_000_011;
    public static final int DEFAULT_OVERPROVISIONING_PERCENT = 140;
    public static final int MAX_SLOW_START_WINDOW_MILLIS = 3_600_000;
    public static final int MAX_CONSECUTIVE_FAILURES = 1_000;
    public static final int MAX_EJECTION_TIME_MILLIS = 3_600_000;
    public static final int MAX_RETRIES = 5;
    public static final int MAX_PER_TRY_TIMEOUT_MILLIS = 3_600_000;
    public static final int MAX_MIN_RETRIES_PER_SECOND = 10_000;
    public static final int MAX_RETRY_METHODS = 32;
    public static final String RETRY_ON_NAMES = "RESET, TIMEOUT, STATUS_5XX or GATEWAY_ERROR";
    public static final int MAX_TCP_IDLE_TIMEOUT_MILLIS = 86_400_000;
    /** TcpListener.idle_timeout_millis when 0. */
    public static final int DEFAULT_TCP_IDLE_TIMEOUT_MILLIS = 600_000;
    /** Upper-case RFC 9110 token: what a retryable method may be. */
    static final Pattern METHOD = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Z-]{1,32}");
    /** RFC 9110 token: what a header or cookie name may be. */
    static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}");

    private PolicyRules() {}

    /** Where a policy is checked: the admin API knows the service's endpoints and computes the node share itself. */
    public enum Origin {
        /** SetServicePolicy: maglev_table_size must be >= 100 x endpoints; the node share is the leader's to fill. */
        ADMIN,
        /** A snapshot: maglev_table_size must be >= endpoints (the algorithm's hard limit); the node share must be set. */
        SNAPSHOT
    }

    /**
     * Appends every problem of {@code policy} to {@code problems}.
     *
     * @param path field path of the policy, e.g. {@code services[0].policy} or {@code settings}
     * @param endpoints the service's endpoints (for the Maglev table size)
     */
    public static void check(List<String> problems, String path, Policy policy, int endpoints, Origin origin) {
        LbAlgorithm algorithm = policy.getAlgorithm();
        if (algorithm != LbAlgorithm.LB_ALGORITHM_UNSPECIFIED && !ALGORITHMS.contains(algorithm)) {
            problems.add(Checks.message(path + ".algorithm", algorithmShown(policy), ALGORITHM_NAMES));
        }
        checkAtMost(problems, path + ".connect_timeout_millis", policy.getConnectTimeoutMillis(), MAX_CONNECT_TIMEOUT_MILLIS, "0 (default) or 1..");
        checkAtMost(problems, path + ".response_timeout_millis", policy.getResponseTimeoutMillis(), MAX_RESPONSE_TIMEOUT_MILLIS, "0 (default) or 1..");
        checkAtMost(problems, path + ".connect_retries", policy.getConnectRetries(), MAX_CONNECT_RETRIES, "0..");
        long choices = Integer.toUnsignedLong(policy.getChoiceCount());
        if (choices == 1 || choices > MAX_CHOICE_COUNT) {
            problems.add(Checks.message(path + ".choice_count", choices, "0 (default 2) or 2.." + MAX_CHOICE_COUNT));
        }
        boolean hashing = algorithm == LbAlgorithm.RING_HASH || algorithm == LbAlgorithm.MAGLEV;
        if (hashing || policy.hasHashKey()) {
            checkHashKey(problems, path + ".hash_key", policy.getHashKey(), hashing);
        }
        if (policy.hasRingSize()) {
            long ring = Integer.toUnsignedLong(policy.getRingSize());
            if (ring < 1 || ring > MAX_RING_SIZE) {
                problems.add(Checks.message(path + ".ring_size", ring, "1.." + MAX_RING_SIZE));
            }
        }
        if (policy.hasMaglevTableSize()) {
            checkMaglev(problems, path + ".maglev_table_size", Integer.toUnsignedLong(policy.getMaglevTableSize()), endpoints, origin);
        }
        if (policy.hasLocality()) {
            checkLocality(problems, path + ".locality", policy.getLocality());
        }
        if (policy.hasRateLimit()) {
            checkRateLimit(problems, path + ".rate_limit", policy.getRateLimit(), origin);
        }
        if (policy.hasOutlierDetection()) {
            checkOutlierDetection(problems, path + ".outlier_detection", policy.getOutlierDetection());
        }
        if (policy.hasPanicThresholdPercent()) {
            checkAtMost(problems, path + ".panic_threshold_percent", policy.getPanicThresholdPercent(), 100, "0 (off) or 1..");
        }
        if (policy.hasRetry()) {
            checkRetry(problems, path + ".retry", policy.getRetry());
        }
        if (policy.hasTcp()) {
            checkTcp(problems, path, policy);
        }
    }

    /**
     * The rules of a service with a TCP listener ({@code policy.tcp}): the port and idle timeout, and
     * only what a connection can be balanced by (no request latency, no header, cookie or path).
     *
     * @param path field path of the policy
     */
    static void checkTcp(List<String> problems, String path, Policy policy) {
        TcpListener tcp = policy.getTcp();
        long port = Integer.toUnsignedLong(tcp.getPort());
        if (port < 1 || port > 65_535) {
            problems.add(Checks.message(path + ".tcp.port", port, "1..65535"));
        }
        checkAtMost(problems, path + ".tcp.idle_timeout_millis", tcp.getIdleTimeoutMillis(), MAX_TCP_IDLE_TIMEOUT_MILLIS,
                "0 (default " + DEFAULT_TCP_IDLE_TIMEOUT_MILLIS + ") or 1..");
        if (policy.getAlgorithm() == LbAlgorithm.PEAK_EWMA) {
            problems.add(Checks.message(path + ".algorithm", LbAlgorithm.PEAK_EWMA,
                    "an algorithm other than PEAK_EWMA for a service with tcp: a TCP connection has no request latency"));
        }
        HashKey.Source source = policy.getHashKey().getSource();
        if (policy.hasHashKey() && (source == HashKey.Source.HEADER || source == HashKey.Source.COOKIE
                || source == HashKey.Source.PATH)) {
            problems.add(Checks.message(path + ".hash_key.source", source,
                    "CLIENT_IP for a service with tcp: a TCP connection has no header, cookie or path"));
        }
    }

    /**
     * Appends a problem for every service of a snapshot whose TCP port an earlier service already
     * has: {@code services[2].policy.tcp.port: 9000 (expected: unique, already used by services[0])}.
     */
    public static void checkTcpPorts(List<String> problems, List<Service> services) {
        Map<Integer, Integer> owners = new HashMap<>();
        for (int i = 0; i < services.size(); i++) {
            Policy policy = services.get(i).getPolicy();
            if (policy.hasTcp()) {
                Integer first = owners.putIfAbsent(policy.getTcp().getPort(), i);
                if (first != null) {
                    problems.add(Checks.message("services[" + i + "].policy.tcp.port", Integer.toUnsignedLong(policy.getTcp().getPort()),
                            "unique, already used by services[" + first + "]"));
                }
            }
        }
    }

    /**
     * The admin API's form of {@link #checkTcpPorts}: a problem if another service's stored policy
     * already has {@code policy}'s TCP port.
     *
     * @param path field path of the policy, e.g. {@code settings}
     * @param others the stored policies by service; {@code service}'s own entry is ignored
     */
    public static void checkTcpPortFree(List<String> problems, String path, String service, Policy policy,
                                        Map<String, Policy> others) {
        if (!policy.hasTcp()) {
            return;
        }
        others.forEach((name, other) -> {
            if (!name.equals(service) && other.hasTcp() && other.getTcp().getPort() == policy.getTcp().getPort()) {
                problems.add(Checks.message(path + ".tcp.port", Integer.toUnsignedLong(policy.getTcp().getPort()),
                        "a port no other service listens on, already used by service " + name));
            }
        });
    }

    /** Appends every problem of outlier detection settings (0 fields: the defaults of snapshot.proto). */
    public static void checkOutlierDetection(List<String> problems, String path, OutlierDetection outlier) {
        checkAtMost(problems, path + ".consecutive_5xx", outlier.getConsecutive5Xx(), MAX_CONSECUTIVE_FAILURES, "0 (default 5) or 1..");
        checkAtMost(problems, path + ".consecutive_gateway_failure", outlier.getConsecutiveGatewayFailure(),
                MAX_CONSECUTIVE_FAILURES, "0 (default 5) or 1..");
        checkAtMost(problems, path + ".base_ejection_time_millis", outlier.getBaseEjectionTimeMillis(), MAX_EJECTION_TIME_MILLIS,
                "0 (default 30000) or 1..");
        long base = OutlierSettings.of(outlier).baseEjectionTimeMillis();
        long max = Integer.toUnsignedLong(outlier.getMaxEjectionTimeMillis());
        if (max != 0 && (max < base || max > MAX_EJECTION_TIME_MILLIS)) {
            problems.add(Checks.message(path + ".max_ejection_time_millis", max,
                    "0 (default max(300000, base)) or base_ejection_time_millis (" + base + ").." + MAX_EJECTION_TIME_MILLIS));
        }
        if (outlier.hasMaxEjectionPercent()) {
            checkAtMost(problems, path + ".max_ejection_percent", outlier.getMaxEjectionPercent(), 100, "0..");
        }
        checkAtMost(problems, path + ".quorum_percent", outlier.getQuorumPercent(), 100, "0 (default 51) or 1..");
    }

    /** Appends every problem of retry settings (absent or 0 fields: the defaults of snapshot.proto). */
    public static void checkRetry(List<String> problems, String path, RetryPolicy retry) {
        if (retry.hasNumRetries()) {
            checkAtMost(problems, path + ".num_retries", retry.getNumRetries(), MAX_RETRIES, "0 (off) or 1..");
        }
        if (retry.getMethodsCount() > MAX_RETRY_METHODS) {
            problems.add(Checks.message(path + ".methods", retry.getMethodsCount() + " methods", "at most " + MAX_RETRY_METHODS));
        }
        Set<String> methods = new HashSet<>();
        for (int i = 0; i < retry.getMethodsCount() && i < MAX_RETRY_METHODS; i++) {
            String method = retry.getMethods(i);
            if (!METHOD.matcher(method).matches()) {
                problems.add(Checks.message(path + ".methods[" + i + "]", method, "an upper-case HTTP method token, e.g. GET"));
            } else if (!methods.add(method)) {
                problems.add(Checks.message(path + ".methods[" + i + "]", method, "each method at most once"));
            }
        }
        Set<RetryOn> conditions = EnumSet.noneOf(RetryOn.class);
        for (int i = 0; i < retry.getRetryOnCount(); i++) {
            RetryOn on = retry.getRetryOn(i);
            if (on == RetryOn.RETRY_ON_UNSPECIFIED || on == RetryOn.UNRECOGNIZED) {
                problems.add(Checks.message(path + ".retry_on[" + i + "]",
                        on == RetryOn.UNRECOGNIZED ? (Object) retry.getRetryOnValue(i) : on, RETRY_ON_NAMES));
            } else if (!conditions.add(on)) {
                problems.add(Checks.message(path + ".retry_on[" + i + "]", on, "each condition at most once"));
            }
        }
        checkAtMost(problems, path + ".per_try_timeout_millis", retry.getPerTryTimeoutMillis(), MAX_PER_TRY_TIMEOUT_MILLIS,
                "0 (the response timeout) or 1..");
        if (retry.hasBudgetPercent()) {
            checkAtMost(problems, path + ".budget_percent", retry.getBudgetPercent(), 100, "0..");
        }
        if (retry.hasMinRetriesPerSecond()) {
            checkAtMost(problems, path + ".min_retries_per_second", retry.getMinRetriesPerSecond(), MAX_MIN_RETRIES_PER_SECOND, "0..");
        }
    }

    /** Appends every problem of a slow start setting ({@code window_millis} 0 means "off"). */
    public static void checkSlowStart(List<String> problems, String path, SlowStart slowStart) {
        checkAtMost(problems, path + ".window_millis", slowStart.getWindowMillis(), MAX_SLOW_START_WINDOW_MILLIS, "0 (off) or 1..");
        double aggression = slowStart.getAggression();
        if (!(aggression >= 0 && aggression <= 100)) {
            problems.add(Checks.message(path + ".aggression", aggression, "0 (default 1.0) or > 0 and <= 100"));
        }
        checkAtMost(problems, path + ".min_weight_percent", slowStart.getMinWeightPercent(), 100, "0 (default 10) or 1..");
    }

    /** Appends every problem of health-check settings pushed to agents (0 / empty fields: the agent's own). */
    public static void checkHealthCheck(List<String> problems, String path, io.ballast.proto.v1.HealthCheck check) {
        if (!check.getKind().isEmpty() && !check.getKind().equals("http") && !check.getKind().equals("tcp")) {
            problems.add(Checks.message(path + ".kind", check.getKind(), "\"\" (the agent's), http or tcp"));
        }
        if (!check.getPath().isEmpty() && (!check.getPath().startsWith("/") || check.getPath().chars().anyMatch(Character::isWhitespace))) {
            problems.add(Checks.message(path + ".path", check.getPath(), "a path starting with / and without spaces"));
        }
        long min = Integer.toUnsignedLong(check.getStatusMin());
        long max = Integer.toUnsignedLong(check.getStatusMax());
        if ((min != 0 || max != 0) && (min < 100 || max > 599 || max < min)) {
            problems.add(Checks.message(path + ".status_min", min + "-" + max, "0-0 (the agent's) or MIN-MAX within 100-599"));
        }
        checkAtMost(problems, path + ".interval_millis", check.getIntervalMillis(), 3_600_000, "0 (the agent's) or 1..");
        checkAtMost(problems, path + ".timeout_millis", check.getTimeoutMillis(), 60_000, "0 (the agent's) or 1..");
        checkAtMost(problems, path + ".rise", check.getRise(), 100, "0 (the agent's) or 1..");
        checkAtMost(problems, path + ".fall", check.getFall(), 100, "0 (the agent's) or 1..");
    }

    /** The smallest prime >= n (Maglev table sizes); n <= {@link #MAX_MAGLEV_TABLE_SIZE} in practice. */
    public static long nextPrime(long n) {
        long candidate = Math.max(2, n);
        while (!isPrime(candidate)) {
            candidate++;
        }
        return candidate;
    }

    static boolean isPrime(long n) {
        if (n < 2) {
            return false;
        }
        if (n % 2 == 0) {
            return n == 2;
        }
        for (long d = 3; d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    private static Object algorithmShown(Policy policy) {
        // A number a newer peer sent that this build does not know is shown as the number.
        return policy.getAlgorithm() == LbAlgorithm.UNRECOGNIZED ? (Object) policy.getAlgorithmValue() : policy.getAlgorithm();
    }

    private static void checkAtMost(List<String> problems, String field, int rawValue, long max, String expectedPrefix) {
        long value = Integer.toUnsignedLong(rawValue);
        if (value > max) {
            problems.add(Checks.message(field, value, expectedPrefix + max));
        }
    }

    private static void checkHashKey(List<String> problems, String path, HashKey key, boolean hashing) {
        switch (key.getSource()) {
            case HEADER, COOKIE -> {
                if (!TOKEN.matcher(key.getName()).matches()) {
                    problems.add(Checks.message(path + ".name", key.getName(), "a header or cookie name (RFC 9110 token)"));
                }
            }
            case CLIENT_IP, PATH -> {
                if (!key.getName().isEmpty()) {
                    problems.add(Checks.message(path + ".name", key.getName(), "\"\" for " + key.getSource()));
                }
            }
            case SOURCE_UNSPECIFIED, UNRECOGNIZED -> problems.add(Checks.message(path + ".source",
                    key.getSource() == HashKey.Source.UNRECOGNIZED ? (Object) key.getSourceValue() : key.getSource(),
                    hashing ? "HEADER, COOKIE, CLIENT_IP or PATH (RING_HASH and MAGLEV need a hash key)"
                            : "HEADER, COOKIE, CLIENT_IP or PATH"));
        }
    }

    private static void checkMaglev(List<String> problems, String field, long size, int endpoints, Origin origin) {
        long minimum = origin == Origin.ADMIN ? Math.max(1, 100L * endpoints) : Math.max(1, endpoints);
        if (size < minimum || size > MAX_MAGLEV_TABLE_SIZE || !isPrime(size)) {
            String floor = origin == Origin.ADMIN ? " >= 100 x " + endpoints + " endpoints" : " >= " + endpoints + " endpoints";
            problems.add(Checks.message(field, size, "a prime" + floor + " and <= " + MAX_MAGLEV_TABLE_SIZE
                    + (size <= MAX_MAGLEV_TABLE_SIZE && size >= minimum ? ", e.g. " + nextPrime(size) : "")));
        }
    }

    private static void checkLocality(List<String> problems, String path, Locality locality) {
        long percent = Integer.toUnsignedLong(locality.getOverprovisioningPercent());
        if (percent != 0 && (percent < 100 || percent > 1000)) {
            problems.add(Checks.message(path + ".overprovisioning_percent", percent, "0 (default 140) or 100..1000"));
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < locality.getZonePriorityCount(); i++) {
            String zone = locality.getZonePriority(i);
            if (zone.isBlank()) {
                problems.add(Checks.message(path + ".zone_priority[" + i + "]", zone, "a non-empty zone name"));
            } else if (!seen.add(zone)) {
                problems.add(Checks.message(path + ".zone_priority[" + i + "]", zone, "each zone at most once"));
            }
        }
    }

    private static void checkRateLimit(List<String> problems, String path, RateLimit limit, Origin origin) {
        double cluster = limit.getClusterRequestsPerSecond();
        if (!(cluster > 0 && cluster <= 1e9)) {
            problems.add(Checks.message(path + ".cluster_requests_per_second", cluster, "> 0 and <= 1e9"));
        }
        double node = limit.getNodeRequestsPerSecond();
        if (origin == Origin.SNAPSHOT && !(node > 0 && node <= 1e9)) {
            problems.add(Checks.message(path + ".node_requests_per_second", node, "> 0 and <= 1e9"));
        }
        checkAtMost(problems, path + ".burst", limit.getBurst(), 1_000_000_000, "0 (one second of the node's share) or 1..");
    }
}
