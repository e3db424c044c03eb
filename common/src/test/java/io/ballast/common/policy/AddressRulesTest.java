package io.ballast.common.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AddressRulesTest {

    @Test
    void addressesInsideTheNetworksMayRegisterOthersMayNot() {
        List<String> networks = List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8");
        assertThat(AddressRules.violation("10.20.30.40", networks)).isEmpty();
        assertThat(AddressRules.violation("192.168.1.7", networks)).isEmpty();
        assertThat(AddressRules.violation("fd12::1", networks)).isEmpty();
        assertThat(AddressRules.violation("[fd12::1]", networks)).isEmpty();
        assertThat(AddressRules.violation("11.0.0.1", networks))
                .contains("address 11.0.0.1 is outside the service's allowed networks 10.0.0.0/8, 192.168.1.7, fd00::/8");
        assertThat(AddressRules.violation("192.168.1.8", networks)).isPresent();
        assertThat(AddressRules.violation("fe80::1", networks)).isPresent();
        assertThat(AddressRules.violation("backend.example.com", networks).orElseThrow())
                .startsWith("host \"backend.example.com\" is not an IP address");
        assertThat(AddressRules.violation("anything.example.com", List.of())).isEmpty();
        assertThat(AddressRules.violation("0.0.0.1", List.of("0.0.0.0/0"))).isEmpty();
    }

    @Test
    void malformedNetworksAreNamed() {
        List<String> problems = new ArrayList<>();
        AddressRules.check(problems, "allowed_backend_networks", List.of("10.0.0.0/8", "10.0.0.0/33", "300.1.1.1", "web", "::/129"));
        String expected = " (expected: an IPv4 or IPv6 address or CIDR block, e.g. 10.0.0.0/8 or fd00::/8)";
        assertThat(problems).containsExactly(
                "allowed_backend_networks[1]: \"10.0.0.0/33\"" + expected,
                "allowed_backend_networks[2]: \"300.1.1.1\"" + expected,
                "allowed_backend_networks[3]: \"web\"" + expected,
                "allowed_backend_networks[4]: \"::/129\"" + expected);
    }
}
