package io.ballast.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetryBudgetTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 1_000 * SECOND;

    @Test
    void theReserveAllowsMinPerSecondTimesTheWindowWithoutRequests() {
        RetryBudget budget = new RetryBudget();
        int allowed = 0;
        while (budget.tryWithdraw(T0, 20, 1.0)) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(10);
    }

    @Test
    void requestsAddTheirPercentage() {
        RetryBudget budget = new RetryBudget();
        for (int i = 0; i < 100; i++) {
            budget.deposit(T0);
        }
        int allowed = 0;
        while (budget.tryWithdraw(T0, 20, 0)) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(20);
    }

    @Test
    void depositsExpireAfterTenSeconds() {
        RetryBudget budget = new RetryBudget();
        for (int i = 0; i < 100; i++) {
            budget.deposit(T0);
        }
        assertThat(budget.tryWithdraw(T0 + 9 * SECOND, 20, 0)).isTrue();
        assertThat(budget.tryWithdraw(T0 + 10 * SECOND, 20, 0)).as("the requests left the window").isFalse();
    }

    @Test
    void zeroPercentAndZeroMinimumRefuseEveryRetry() {
        RetryBudget budget = new RetryBudget();
        budget.deposit(T0);
        assertThat(budget.tryWithdraw(T0, 0, 0)).isFalse();
    }

    @Test
    void withdrawnRetriesCountAgainstTheWindow() {
        RetryBudget budget = new RetryBudget();
        for (int i = 0; i < 10; i++) {
            budget.deposit(T0);
        }
        assertThat(budget.tryWithdraw(T0, 20, 0)).isTrue();
        assertThat(budget.tryWithdraw(T0 + SECOND, 20, 0)).isTrue();
        assertThat(budget.tryWithdraw(T0 + 2 * SECOND, 20, 0)).isFalse();
        // ten seconds after the retries, they no longer count (nor do the requests)
        for (int i = 0; i < 10; i++) {
            budget.deposit(T0 + 12 * SECOND);
        }
        assertThat(budget.tryWithdraw(T0 + 12 * SECOND, 20, 0)).isTrue();
    }
}
