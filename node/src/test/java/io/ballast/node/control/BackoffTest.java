package io.ballast.node.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void growsExponentiallyFrom100MillisAndIsCappedAt5Seconds() {
        Backoff longest = new Backoff(Backoff.INITIAL, Backoff.MAX, () -> 0.999_999);
        assertThat(longest.next()).isEqualTo(Duration.ofMillis(200));
        assertThat(longest.next()).isEqualTo(Duration.ofMillis(400));
        assertThat(longest.next()).isEqualTo(Duration.ofMillis(800));
        for (int i = 0; i < 40; i++) {
            longest.next();
        }
        assertThat(longest.next()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void jitterStaysWithinHalfToFullDelay() {
        Backoff shortest = new Backoff(Backoff.INITIAL, Backoff.MAX, () -> 0.0);
        assertThat(shortest.next()).isEqualTo(Duration.ofMillis(100));
        assertThat(shortest.next()).isEqualTo(Duration.ofMillis(200));
        for (int i = 0; i < 40; i++) {
            shortest.next();
        }
        assertThat(shortest.next()).isEqualTo(Duration.ofMillis(2_500));
    }

    @Test
    void resetStartsOver() {
        Backoff backoff = new Backoff(Backoff.INITIAL, Backoff.MAX, () -> 0.0);
        backoff.next();
        backoff.next();
        backoff.reset();
        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(100));
    }
}
