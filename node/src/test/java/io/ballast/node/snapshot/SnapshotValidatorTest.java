package io.ballast.node.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.HashKey;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Locality;
import io.ballast.proto.v1.RateLimit;
import io.ballast.proto.v1.WeightedService;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.Service;
import io.ballast.proto.v1.Snapshot;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class SnapshotValidatorTest {

    private static final Snapshot VALID = TestSnapshots.web(3, 7);

    @Test
    void validSnapshotHasNoProblems() {
        assertThat(SnapshotValidator.problems(VALID)).isEmpty();
    }

    @Test
    void policyOfZerosMeansDefaultsAndIsValid() {
        Snapshot snapshot = VALID.toBuilder()
                .setServices(0, VALID.getServices(0).toBuilder().setPolicy(Policy.getDefaultInstance()))
                .build();
        assertThat(SnapshotValidator.problems(snapshot)).isEmpty();
    }

    @Test
    void emptySnapshotWithOnlyEpochAndVersionIsValid() {
        assertThat(SnapshotValidator.problems(Snapshot.newBuilder().setEpoch(1).setVersion(1).build())).isEmpty();
    }

    @Test
    void epochAndVersionMustBePositive() {
        assertThat(SnapshotValidator.problems(VALID.toBuilder().setEpoch(0).setVersion(0).build())).containsExactly(
                "epoch: 0 (expected: >= 1)",
                "version: 0 (expected: >= 1)");
        assertThat(SnapshotValidator.problems(VALID.toBuilder().setEpoch(-1).build())).containsExactly(
                "epoch: 18446744073709551615 (expected: 1..9223372036854775807)");
    }

    @Test
    void serviceNamesMustMatchThePatternAndBeUnique() {
        Snapshot snapshot = VALID.toBuilder()
                .addServices(Service.newBuilder().setName("Web!"))
                .addServices(Service.newBuilder().setName("web"))
                .build();
        assertThat(SnapshotValidator.problems(snapshot)).containsExactly(
                "services[1].name: \"Web!\" (expected: [a-z0-9][a-z0-9._-]{0,62})",
                "services[2].name: \"web\" (expected: unique, already used by services[0])");
    }

    @Test
    void endpointIdsMustMatchThePatternAndBeUniqueWithinTheService() {
        Snapshot snapshot = withEndpoint(1, e -> e.toBuilder().setId("web-1").build());
        assertThat(SnapshotValidator.problems(snapshot)).containsExactly(
                "services[0].endpoints[1].id: \"web-1\" (expected: unique within the service, already used by services[0].endpoints[0])");
        assertThat(SnapshotValidator.problems(withEndpoint(0, e -> e.toBuilder().setId("a b").build()))).containsExactly(
                "services[0].endpoints[0].id: \"a b\" (expected: [A-Za-z0-9._:-]{1,128})");
    }

    @Test
    void sameEndpointIdInTwoServicesIsValid() {
        Snapshot snapshot = VALID.toBuilder()
                .addServices(VALID.getServices(0).toBuilder().setName("api"))
                .build();
        assertThat(SnapshotValidator.problems(snapshot)).isEmpty();
    }

    @Test
    void hostMustNotBeBlank() {
        assertThat(SnapshotValidator.problems(withEndpoint(0, e -> e.toBuilder().setHost(" ").build()))).containsExactly(
                "services[0].endpoints[0].host: \" \" (expected: a non-empty string)");
    }

    @Test
    void portMustBeInRange() {
        assertThat(SnapshotValidator.problems(withEndpoint(1, e -> e.toBuilder().setPort(0).build()))).containsExactly(
                "services[0].endpoints[1].port: 0 (expected: 1..65535)");
        assertThat(SnapshotValidator.problems(withEndpoint(1, e -> e.toBuilder().setPort(65_536).build()))).containsExactly(
                "services[0].endpoints[1].port: 65536 (expected: 1..65535)");
        // uint32 values above 2^31 arrive as negative ints; they are shown unsigned.
        assertThat(SnapshotValidator.problems(withEndpoint(1, e -> e.toBuilder().setPort(-1).build()))).containsExactly(
                "services[0].endpoints[1].port: 4294967295 (expected: 1..65535)");
    }

    @Test
    void weightMustBeInRange() {
        assertThat(SnapshotValidator.problems(withEndpoint(0, e -> e.toBuilder().setWeight(0).build()))).isEmpty();
        assertThat(SnapshotValidator.problems(withEndpoint(0, e -> e.toBuilder().setWeight(10_001).build()))).containsExactly(
                "services[0].endpoints[0].weight: 10001 (expected: 0..10000)");
    }

    @Test
    void stateMustBeSpecifiedAndKnown() {
        assertThat(SnapshotValidator.problems(withEndpoint(0, e -> e.toBuilder().setState(EndpointState.DRAINING).build())))
                .isEmpty();
        assertThat(SnapshotValidator.problems(withEndpoint(0, e -> e.toBuilder().setState(EndpointState.SUSPECT).build())))
                .isEmpty();
        assertThat(SnapshotValidator.problems(withEndpoint(0,
                e -> e.toBuilder().setState(EndpointState.ENDPOINT_STATE_UNSPECIFIED).build()))).containsExactly(
                "services[0].endpoints[0].state: ENDPOINT_STATE_UNSPECIFIED (expected: ACTIVE, DRAINING, EJECTED or SUSPECT)");
        assertThat(SnapshotValidator.problems(withEndpoint(0, e -> e.toBuilder().setStateValue(9).build()))).containsExactly(
                "services[0].endpoints[0].state: 9 (expected: ACTIVE, DRAINING, EJECTED or SUSPECT)");
    }

    @Test
    void metadataIsLimitedTo32Entries() {
        Snapshot atLimit = withEndpoint(0, e -> {
            Endpoint.Builder builder = e.toBuilder().clearMetadata();
            for (int i = 0; i < 32; i++) {
                builder.putMetadata("k" + i, "v");
            }
            return builder.build();
        });
        assertThat(SnapshotValidator.problems(atLimit)).isEmpty();
        Snapshot over = withEndpoint(0, e -> atLimit.getServices(0).getEndpoints(0).toBuilder().putMetadata("one-more", "v").build());
        assertThat(SnapshotValidator.problems(over)).containsExactly(
                "services[0].endpoints[0].metadata: 33 entries (expected: at most 32)");
    }

    @Test
    void hashingAlgorithmsNeedAHashKeyAndValidSizes() {
        HashKey header = HashKey.newBuilder().setSource(HashKey.Source.HEADER).setName("x-user").build();
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder().setAlgorithm(LbAlgorithm.MAGLEV).build())))
                .containsExactly("services[0].policy.hash_key.source: SOURCE_UNSPECIFIED (expected: HEADER, COOKIE, CLIENT_IP"
                        + " or PATH (RING_HASH and MAGLEV need a hash key))");
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder().setAlgorithm(LbAlgorithm.RING_HASH)
                .setHashKey(HashKey.newBuilder().setSource(HashKey.Source.COOKIE)).setRingSize(0).build())))
                .containsExactly("services[0].policy.hash_key.name: \"\" (expected: a header or cookie name (RFC 9110 token))",
                        "services[0].policy.ring_size: 0 (expected: 1..8388608)");
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder().setAlgorithm(LbAlgorithm.MAGLEV)
                .setHashKey(header).setMaglevTableSize(65_536).build())))
                .containsExactly("services[0].policy.maglev_table_size: 65536 (expected: a prime >= 2 endpoints and <= 5000011,"
                        + " e.g. 65537)");
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder().setAlgorithm(LbAlgorithm.MAGLEV)
                .setHashKey(HashKey.newBuilder().setSource(HashKey.Source.PATH).setName("x")).build())))
                .containsExactly("services[0].policy.hash_key.name: \"x\" (expected: \"\" for PATH)");
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder().setAlgorithm(LbAlgorithm.MAGLEV)
                .setHashKey(header).setMaglevTableSize(65_537).build()))).isEmpty();
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder().setAlgorithm(LbAlgorithm.RING_HASH)
                .setHashKey(HashKey.newBuilder().setSource(HashKey.Source.CLIENT_IP)).build()))).isEmpty();
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder().setAlgorithm(LbAlgorithm.PEAK_EWMA).build()))).isEmpty();
    }

    @Test
    void rateLimitAndLocalityAreChecked() {
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder()
                .setRateLimit(RateLimit.newBuilder().setClusterRequestsPerSecond(-1)).build())))
                .containsExactly("services[0].policy.rate_limit.cluster_requests_per_second: -1.0 (expected: > 0 and <= 1e9)",
                        "services[0].policy.rate_limit.node_requests_per_second: 0.0 (expected: > 0 and <= 1e9)");
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder()
                .setRateLimit(RateLimit.newBuilder().setClusterRequestsPerSecond(100).setNodeRequestsPerSecond(50)).build())))
                .isEmpty();
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder().setLocality(Locality.newBuilder()
                .setEnabled(true).setOverprovisioningPercent(99).addZonePriority("b").addZonePriority("b")).build())))
                .containsExactly("services[0].policy.locality.overprovisioning_percent: 99 (expected: 0 (default 140) or 100..1000)",
                        "services[0].policy.locality.zone_priority[1]: \"b\" (expected: each zone at most once)");
    }

    @Test
    void splitRoutesNameServicesOfTheSnapshotWithPositiveWeights() {
        String name = VALID.getServices(0).getName();
        Snapshot split = VALID.toBuilder().addRoutes(Route.newBuilder().setPathPrefix("/canary")
                .addSplit(WeightedService.newBuilder().setService(name).setWeight(95))
                .addSplit(WeightedService.newBuilder().setService("ghost").setWeight(0))).build();
        int last = split.getRoutesCount() - 1;
        assertThat(SnapshotValidator.problems(split)).containsExactly(
                "routes[" + last + "].split[1].service: \"ghost\" (expected: the name of a service in this snapshot)",
                "routes[" + last + "].split[1].weight: 0 (expected: 1..10000)");
    }

    @Test
    void choiceCountIsDefaultOrTwoToTen() {
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder().setChoiceCount(1).build()))).containsExactly(
                "services[0].policy.choice_count: 1 (expected: 0 (default 2) or 2..10)");
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder().setChoiceCount(11).build()))).containsExactly(
                "services[0].policy.choice_count: 11 (expected: 0 (default 2) or 2..10)");
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder().setChoiceCount(10).build()))).isEmpty();
        assertThat(SnapshotValidator.problems(withPolicy(Policy.newBuilder().setChoiceCount(0).build()))).isEmpty();
    }

    @Test
    void policyValuesMustBeInTheirRanges() {
        Snapshot snapshot = withPolicy(Policy.newBuilder()
                .setConnectTimeoutMillis(60_001)
                .setResponseTimeoutMillis(3_600_001)
                .setConnectRetries(6)
                .setAlgorithmValue(42)
                .build());
        assertThat(SnapshotValidator.problems(snapshot)).containsExactly(
                "services[0].policy.algorithm: 42 (expected: ROUND_ROBIN, WEIGHTED_ROUND_ROBIN, RANDOM, LEAST_CONNECTIONS,"
                        + " LEAST_REQUEST, PEAK_EWMA, RING_HASH or MAGLEV)",
                "services[0].policy.connect_timeout_millis: 60001 (expected: 0 (default) or 1..60000)",
                "services[0].policy.response_timeout_millis: 3600001 (expected: 0 (default) or 1..3600000)",
                "services[0].policy.connect_retries: 6 (expected: 0..5)");
        Snapshot atLimits = withPolicy(Policy.newBuilder()
                .setConnectTimeoutMillis(60_000)
                .setResponseTimeoutMillis(3_600_000)
                .setConnectRetries(5)
                .build());
        assertThat(SnapshotValidator.problems(atLimits)).isEmpty();
    }

    @Test
    void routesNeedAPathPrefixStartingWithSlashAndAnExistingService() {
        Snapshot snapshot = VALID.toBuilder()
                .addRoutes(Route.newBuilder().setPathPrefix("api").setService("web"))
                .addRoutes(Route.newBuilder().setPathPrefix("/api").setService("api"))
                .addRoutes(Route.newBuilder().setPathPrefix("/x"))
                .build();
        assertThat(SnapshotValidator.problems(snapshot)).containsExactly(
                "routes[1].path_prefix: \"api\" (expected: a path starting with \"/\")",
                "routes[2].service: \"api\" (expected: the name of a service in this snapshot)",
                "routes[3].service: \"\" (expected: the name of a service in this snapshot)");
    }

    @Test
    void defaultServiceMayBeEmptyOrMustExist() {
        assertThat(SnapshotValidator.problems(VALID.toBuilder().setDefaultService("").build())).isEmpty();
        assertThat(SnapshotValidator.problems(VALID.toBuilder().setDefaultService("api").build())).containsExactly(
                "default_service: \"api\" (expected: \"\" or the name of a service in this snapshot)");
    }

    @Test
    void reportsEveryProblemNotOnlyTheFirst() {
        Snapshot snapshot = withEndpoint(0, e -> e.toBuilder().setPort(0).setWeight(20_000).build()).toBuilder()
                .setVersion(0)
                .build();
        assertThat(SnapshotValidator.problems(snapshot)).hasSize(3);
    }

    private static Snapshot withEndpoint(int index, UnaryOperator<Endpoint> change) {
        Service service = VALID.getServices(0);
        return VALID.toBuilder()
                .setServices(0, service.toBuilder().setEndpoints(index, change.apply(service.getEndpoints(index))))
                .build();
    }

    private static Snapshot withPolicy(Policy policy) {
        return VALID.toBuilder().setServices(0, VALID.getServices(0).toBuilder().setPolicy(policy)).build();
    }
}
