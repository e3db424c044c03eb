package io.ballast.cli;

import io.ballast.common.policy.PolicyRules;
import io.ballast.proto.v1.OutlierDetection;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.RetryOn;
import io.ballast.proto.v1.RetryPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code set-policy}'s failure-handling options: outlier detection, panic threshold and retries.
 * Only what is given is set, so everything else keeps the defaults of snapshot.proto; the admin
 * API checks the values ({@link PolicyRules}). {@link #describe} renders them for get-policy.
 * Picocli fills the fields on the CLI's one thread.
 */
final class FailureOptions {

    @Option(names = "--outlier-disabled", description = "Turn passive outlier detection off (nodes and the leader's quorum ejection).")
    boolean outlierDisabled;

    @Option(names = "--outlier-consecutive-5xx", paramLabel = "N", description = "Consecutive 5xx that eject on a node, 1..1000 (default 5).")
    int consecutive5xx;

    @Option(names = "--outlier-consecutive-gateway-failures", paramLabel = "N",
            description = "Consecutive gateway failures (connect/reset/timeout/502-504) that eject on a node, 1..1000 (default 5).")
    int consecutiveGatewayFailures;

    @Option(names = "--outlier-base-ejection-ms", paramLabel = "MS", description = "First ejection, doubling with each, 1..3600000 (default 30000).")
    int baseEjectionMillis;

    @Option(names = "--outlier-max-ejection-ms", paramLabel = "MS", description = "Longest ejection, >= base, <= 3600000 (default 300000).")
    int maxEjectionMillis;

    @Option(names = "--max-ejection-percent", paramLabel = "P",
            description = "At most this share of the service ejected at once, 0..100 (default 10; one of two or more always may be).")
    Integer maxEjectionPercent;

    @Option(names = "--outlier-quorum-percent", paramLabel = "P",
            description = "Share of the nodes with evidence that must eject for a cluster-wide ejection, 1..100 (default 51).")
    int quorumPercent;

    @Option(names = "--panic-threshold-percent", paramLabel = "P",
            description = "Below this eligible share nodes balance across all endpoints, 0 (off)..100 (default 50).")
    Integer panicThresholdPercent;

    @Option(names = "--retries", paramLabel = "N", description = "Retries of sent requests on another endpoint, 0 (off)..5 (default 2).")
    Integer retries;

    @Option(names = "--retry-methods", split = ",", paramLabel = "METHOD",
            description = "Methods that may be retried (default: GET,HEAD,OPTIONS,TRACE,PUT,DELETE).")
    List<String> retryMethods = new ArrayList<>();

    @Option(names = "--retry-on", split = ",", paramLabel = "COND",
            description = "reset, timeout, 5xx (status_5xx) or gateway_error (default: reset,timeout,5xx).")
    List<String> retryOn = new ArrayList<>();

    @Option(names = "--per-try-timeout-ms", paramLabel = "MS", description = "Timeout of each try, 1..3600000 (default: the response timeout).")
    int perTryTimeoutMillis;

    @Option(names = "--retry-budget-percent", paramLabel = "P", description = "Retries add at most this share of requests, 0..100 (default 20).")
    Integer retryBudgetPercent;

    @Option(names = "--min-retries-per-second", paramLabel = "N", description = "Retries per second and node allowed regardless, 0..10000 (default 10).")
    Integer minRetriesPerSecond;

    /** Sets the given options on {@code settings}; IllegalArgumentException (exit 2) for an unknown --retry-on. */
    void applyTo(Policy.Builder settings) {
        if (outlierDisabled || consecutive5xx != 0 || consecutiveGatewayFailures != 0 || baseEjectionMillis != 0
                || maxEjectionMillis != 0 || maxEjectionPercent != null || quorumPercent != 0) {
            OutlierDetection.Builder outlier = OutlierDetection.newBuilder().setDisabled(outlierDisabled)
                    .setConsecutive5Xx(consecutive5xx).setConsecutiveGatewayFailure(consecutiveGatewayFailures)
                    .setBaseEjectionTimeMillis(baseEjectionMillis).setMaxEjectionTimeMillis(maxEjectionMillis)
                    .setQuorumPercent(quorumPercent);
            if (maxEjectionPercent != null) {
                outlier.setMaxEjectionPercent(maxEjectionPercent);
            }
            settings.setOutlierDetection(outlier);
        }
        if (panicThresholdPercent != null) {
            settings.setPanicThresholdPercent(panicThresholdPercent);
        }
        if (retries != null || !retryMethods.isEmpty() || !retryOn.isEmpty() || perTryTimeoutMillis != 0
                || retryBudgetPercent != null || minRetriesPerSecond != null) {
            RetryPolicy.Builder retry = RetryPolicy.newBuilder().setPerTryTimeoutMillis(perTryTimeoutMillis);
            if (retries != null) {
                retry.setNumRetries(retries);
            }
            // Methods go as given (upper-cased for convenience): the admin API names any bad token.
            retryMethods.forEach(method -> retry.addMethods(method.strip().toUpperCase(Locale.ROOT)));
            retryOn.forEach(condition -> retry.addRetryOn(retryOn(condition)));
            if (retryBudgetPercent != null) {
                retry.setBudgetPercent(retryBudgetPercent);
            }
            if (minRetriesPerSecond != null) {
                retry.setMinRetriesPerSecond(minRetriesPerSecond);
            }
            settings.setRetry(retry);
        }
    }

    static RetryOn retryOn(String value) {
        String name = value.strip().toUpperCase(Locale.ROOT);
        if (name.equals("5XX")) {
            return RetryOn.STATUS_5XX;
        }
        for (RetryOn choice : RetryOn.values()) {
            if (choice != RetryOn.RETRY_ON_UNSPECIFIED && choice != RetryOn.UNRECOGNIZED && choice.name().equals(name)) {
                return choice;
            }
        }
        throw new IllegalArgumentException("retry-on: \"" + value + "\" (expected: reset, timeout, 5xx or gateway_error)");
    }

    /** get-policy's words for the failure-handling fields that are set; empty when none are. */
    static List<String> describe(Policy policy) {
        List<String> words = new ArrayList<>();
        if (policy.hasOutlierDetection()) {
            OutlierDetection o = policy.getOutlierDetection();
            if (o.getDisabled()) {
                words.add("outlier=off");
            } else {
                List<String> parts = new ArrayList<>();
                add(parts, "5xx=", o.getConsecutive5Xx(), "");
                add(parts, "gateway=", o.getConsecutiveGatewayFailure(), "");
                add(parts, "base=", o.getBaseEjectionTimeMillis(), "ms");
                add(parts, "max=", o.getMaxEjectionTimeMillis(), "ms");
                if (o.hasMaxEjectionPercent()) {
                    parts.add("max_ejected=" + o.getMaxEjectionPercent() + "%");
                }
                add(parts, "quorum=", o.getQuorumPercent(), "%");
                words.add("outlier=" + (parts.isEmpty() ? "defaults" : String.join(",", parts)));
            }
        }
        if (policy.hasPanicThresholdPercent()) {
            words.add("panic=" + (policy.getPanicThresholdPercent() == 0 ? "off" : policy.getPanicThresholdPercent() + "%"));
        }
        if (policy.hasRetry()) {
            RetryPolicy r = policy.getRetry();
            List<String> parts = new ArrayList<>();
            if (r.hasNumRetries()) {
                parts.add(r.getNumRetries() == 0 ? "off" : String.valueOf(r.getNumRetries()));
            }
            if (r.getMethodsCount() > 0) {
                parts.add(String.join("|", r.getMethodsList()));
            }
            if (r.getRetryOnCount() > 0) {
                parts.add("on=" + String.join("|", r.getRetryOnList().stream().map(on -> on.name().toLowerCase(Locale.ROOT)).toList()));
            }
            add(parts, "per_try=", r.getPerTryTimeoutMillis(), "ms");
            if (r.hasBudgetPercent()) {
                parts.add("budget=" + r.getBudgetPercent() + "%");
            }
            if (r.hasMinRetriesPerSecond()) {
                parts.add("min=" + r.getMinRetriesPerSecond() + "/s");
            }
            words.add("retries=" + (parts.isEmpty() ? "defaults" : String.join(",", parts)));
        }
        return words;
    }

    private static void add(List<String> parts, String key, int value, String unit) {
        if (value != 0) {
            parts.add(key + Integer.toUnsignedLong(value) + unit);
        }
    }
}
