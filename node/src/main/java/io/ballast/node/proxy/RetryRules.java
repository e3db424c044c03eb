package io.ballast.node.proxy;

import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.RetryOn;
import io.ballast.proto.v1.RetryPolicy;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Set;

/**
 * A service's {@link RetryPolicy} with the proto's defaults filled in, resolved once per routing
 * table. Immutable; any thread; {@link #retriesMethod} and the {@code on*} checks allocate nothing.
 *
 * @param numRetries retries after the first try, 0 = off
 * @param methods upper-case method names that may be retried
 * @param perTryTimeoutMillis bound of each try, 0 = the response timeout
 * @param budgetPercent retries may add this share of the requests of the last 10 s
 * @param minRetriesPerSecond retries per second and node allowed regardless of the share
 */
record RetryRules(int numRetries, Set<String> methods, boolean onReset, boolean onTimeout, boolean on5xx,
                  boolean onGatewayError, int perTryTimeoutMillis, int budgetPercent, int minRetriesPerSecond) {

    static final int DEFAULT_NUM_RETRIES = 2;
    static final Set<String> DEFAULT_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");
    static final int DEFAULT_BUDGET_PERCENT = 20;
    static final int DEFAULT_MIN_RETRIES_PER_SECOND = 10;

    static RetryRules of(Policy policy) {
        RetryPolicy r = policy.getRetry();
        List<RetryOn> on = r.getRetryOnList();
        boolean defaults = on.isEmpty();
        return new RetryRules(
                r.hasNumRetries() ? Math.min(5, r.getNumRetries()) : DEFAULT_NUM_RETRIES,
                r.getMethodsCount() == 0 ? DEFAULT_METHODS : Set.copyOf(r.getMethodsList()),
                defaults || on.contains(RetryOn.RESET),
                defaults || on.contains(RetryOn.TIMEOUT),
                defaults || on.contains(RetryOn.STATUS_5XX),
                on.contains(RetryOn.GATEWAY_ERROR),
                r.getPerTryTimeoutMillis(),
                r.hasBudgetPercent() ? Math.min(100, r.getBudgetPercent()) : DEFAULT_BUDGET_PERCENT,
                r.hasMinRetriesPerSecond() ? r.getMinRetriesPerSecond() : DEFAULT_MIN_RETRIES_PER_SECOND);
    }

    boolean retriesMethod(HttpMethod method) {
        return numRetries > 0 && methods.contains(method.name());
    }

    /** Whether a response with this status is retried (STATUS_5XX: any 5xx; GATEWAY_ERROR: 502, 503, 504). */
    boolean retriesStatus(int code) {
        return (on5xx && code >= 500 && code < 600) || (onGatewayError && isGatewayError(code));
    }

    static boolean isGatewayError(int code) {
        return code == 502 || code == 503 || code == 504;
    }
}
