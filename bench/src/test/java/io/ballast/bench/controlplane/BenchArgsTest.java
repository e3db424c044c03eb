package io.ballast.bench.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BenchArgsTest {

    @Test
    void parsesNamesValuesAndAddresses() {
        BenchArgs args = BenchArgs.parse(new String[] {"--cp", "127.0.0.1:7000", "--changes", "30"});

        assertThat(args.host("cp")).isEqualTo("127.0.0.1");
        assertThat(args.port("cp")).isEqualTo(7000);
        assertThat(args.integer("changes", 40, 1, 100)).isEqualTo(30);
        assertThat(args.integer("warmup", 5, 0, 100)).isEqualTo(5);
    }

    @Test
    void namesTheWrongValueInTheSharedStyle() {
        BenchArgs args = BenchArgs.parse(new String[] {"--changes", "0"});

        assertThatThrownBy(() -> args.integer("changes", 40, 1, 10_000))
                .hasMessage("--changes: 0 (expected: 1..10000)");
        assertThatThrownBy(() -> BenchArgs.parse(new String[] {"--nope", "1"})).hasMessageStartingWith("--nope: unknown");
    }
}
