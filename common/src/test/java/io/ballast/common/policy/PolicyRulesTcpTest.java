package io.ballast.common.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.HashKey;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.TcpListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules of TCP listeners ({@code Policy.tcp}), as the admin API and nodes apply them. */
class PolicyRulesTcpTest {

    private static List<String> problems(Policy policy) {
        List<String> problems = new ArrayList<>();
        PolicyRules.check(problems, "settings", policy, 3, PolicyRules.Origin.ADMIN);
        return problems;
    }

    private static Policy tcp(int port) {
        return Policy.newBuilder().setTcp(TcpListener.newBuilder().setPort(port)).build();
    }

    @Test
    void validListenersPass() {
        assertThat(problems(tcp(1))).isEmpty();
        assertThat(problems(tcp(65_535).toBuilder().setAlgorithm(LbAlgorithm.LEAST_CONNECTIONS)
                .setTcp(TcpListener.newBuilder().setPort(65_535).setIdleTimeoutMillis(86_400_000)).build())).isEmpty();
        assertThat(problems(tcp(9000).toBuilder().setAlgorithm(LbAlgorithm.MAGLEV)
                .setHashKey(HashKey.newBuilder().setSource(HashKey.Source.CLIENT_IP)).build())).isEmpty();
    }

    @Test
    void portAndIdleTimeoutOutOfRangeAreNamedByPath() {
        assertThat(problems(tcp(0))).containsExactly("settings.tcp.port: 0 (expected: 1..65535)");
        assertThat(problems(tcp(65_536))).containsExactly("settings.tcp.port: 65536 (expected: 1..65535)");
        assertThat(problems(tcp(-1))).containsExactly("settings.tcp.port: 4294967295 (expected: 1..65535)");
        assertThat(problems(Policy.newBuilder().setTcp(TcpListener.newBuilder().setPort(9000).setIdleTimeoutMillis(86_400_001)).build()))
                .containsExactly("settings.tcp.idle_timeout_millis: 86400001 (expected: 0 (default 600000) or 1..86400000)");
    }

    @Test
    void requestLevelKeysAndPeakEwmaAreRefusedForTcpServices() {
        for (HashKey.Source source : List.of(HashKey.Source.HEADER, HashKey.Source.COOKIE)) {
            assertThat(problems(tcp(9000).toBuilder().setAlgorithm(LbAlgorithm.RING_HASH)
                    .setHashKey(HashKey.newBuilder().setSource(source).setName("x-user")).build()))
                    .containsExactly("settings.hash_key.source: " + source
                            + " (expected: CLIENT_IP for a service with tcp: a TCP connection has no header, cookie or path)");
        }
        assertThat(problems(tcp(9000).toBuilder().setAlgorithm(LbAlgorithm.MAGLEV)
                .setHashKey(HashKey.newBuilder().setSource(HashKey.Source.PATH)).build()))
                .containsExactly("settings.hash_key.source: PATH"
                        + " (expected: CLIENT_IP for a service with tcp: a TCP connection has no header, cookie or path)");
        assertThat(problems(tcp(9000).toBuilder().setAlgorithm(LbAlgorithm.PEAK_EWMA).build()))
                .containsExactly("settings.algorithm: PEAK_EWMA (expected: an algorithm other than PEAK_EWMA for a service"
                        + " with tcp: a TCP connection has no request latency)");
        // Without a TCP listener the same settings are fine.
        assertThat(problems(Policy.newBuilder().setAlgorithm(LbAlgorithm.PEAK_EWMA).build())).isEmpty();
    }

    @Test
    void aPortIsUniqueWithinASnapshot() {
        List<Service> services = List.of(
                Service.newBuilder().setName("a").setPolicy(tcp(9000)).build(),
                Service.newBuilder().setName("b").setPolicy(Policy.getDefaultInstance()).build(),
                Service.newBuilder().setName("c").setPolicy(tcp(9001)).build(),
                Service.newBuilder().setName("d").setPolicy(tcp(9000)).build());
        List<String> problems = new ArrayList<>();
        PolicyRules.checkTcpPorts(problems, services);
        assertThat(problems).containsExactly("services[3].policy.tcp.port: 9000 (expected: unique, already used by services[0])");
    }

    @Test
    void theAdminApiRefusesAPortAnotherServiceHas() {
        Map<String, Policy> stored = Map.of("db", tcp(5432), "web", Policy.getDefaultInstance(), "cache", tcp(6379));
        List<String> problems = new ArrayList<>();
        PolicyRules.checkTcpPortFree(problems, "settings", "cache", tcp(6379), stored);
        assertThat(problems).isEmpty();
        PolicyRules.checkTcpPortFree(problems, "settings", "other", tcp(5432), stored);
        assertThat(problems).containsExactly(
                "settings.tcp.port: 5432 (expected: a port no other service listens on, already used by service db)");
    }
}
