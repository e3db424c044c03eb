package io.ballast.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.RetryOn;
import io.ballast.proto.v1.RetryPolicy;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

class RetryRulesTest {

    @Test
    void defaultsRetryIdempotentMethodsOnResetTimeoutAnd5xx() {
        RetryRules rules = RetryRules.of(Policy.getDefaultInstance());
        assertThat(rules.numRetries()).isEqualTo(2);
        assertThat(rules.retriesMethod(HttpMethod.GET)).isTrue();
        assertThat(rules.retriesMethod(HttpMethod.DELETE)).isTrue();
        assertThat(rules.retriesMethod(HttpMethod.POST)).isFalse();
        assertThat(rules.retriesMethod(HttpMethod.PATCH)).isFalse();
        assertThat(rules.onReset()).isTrue();
        assertThat(rules.onTimeout()).isTrue();
        assertThat(rules.retriesStatus(500)).isTrue();
        assertThat(rules.retriesStatus(499)).isFalse();
        assertThat(rules.perTryTimeoutMillis()).isZero();
        assertThat(rules.budgetPercent()).isEqualTo(20);
        assertThat(rules.minRetriesPerSecond()).isEqualTo(10);
    }

    @Test
    void gatewayErrorOnlyRetries502To504() {
        RetryRules rules = RetryRules.of(Policy.newBuilder().setRetry(RetryPolicy.newBuilder()
                .addRetryOn(RetryOn.GATEWAY_ERROR).addMethods("POST")).build());
        assertThat(rules.retriesStatus(500)).isFalse();
        assertThat(rules.retriesStatus(503)).isTrue();
        assertThat(rules.onReset()).isFalse();
        assertThat(rules.onTimeout()).isFalse();
        assertThat(rules.retriesMethod(HttpMethod.POST)).isTrue();
        assertThat(rules.retriesMethod(HttpMethod.GET)).isFalse();
    }

    @Test
    void zeroRetriesTurnsThemOff() {
        RetryRules rules = RetryRules.of(Policy.newBuilder().setRetry(RetryPolicy.newBuilder().setNumRetries(0)).build());
        assertThat(rules.retriesMethod(HttpMethod.GET)).isFalse();
    }
}
