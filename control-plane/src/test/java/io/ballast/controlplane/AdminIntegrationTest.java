package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.common.json.Json;
import io.ballast.common.model.EndpointOverride;
import io.ballast.common.model.LeaderInfo;
import io.ballast.common.model.NodeRegistration;
import io.ballast.proto.v1.AdminGrpc;
import io.ballast.proto.v1.Backend;
import io.ballast.proto.v1.ClusterStatus;
import io.ballast.proto.v1.DrainRequest;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.GetStatusRequest;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.HashKey;
import io.ballast.proto.v1.Locality;
import io.ballast.proto.v1.RateLimit;
import io.ballast.proto.v1.SlowStart;
import io.ballast.proto.v1.ListBackendsRequest;
import io.ballast.proto.v1.NodeStatus;
import io.ballast.proto.v1.ServicePolicy;
import com.google.protobuf.util.JsonFormat;
import io.ballast.proto.v1.SetServicePolicyRequest;
import io.ballast.proto.v1.SetWeightRequest;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.ZooKeeperExtension;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The admin API on any replica: validation, persistence before acknowledgement, survival of a leader change. */
class AdminIntegrationTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    private Replicas replicas;

    @AfterEach
    void closeAll() {
        if (replicas != null) {
            replicas.close();
        }
    }

    private EndpointOverride storedOverride(String service, String id) throws Exception {
        return Json.read(replicas.client.getData().forPath(replicas.paths.endpointConfig(service, id)), EndpointOverride.class,
                "override");
    }

    private ControlPlane follower(LeaderInfo leader) {
        return replicas.replica(leader.id().equals("cp-1") ? "cp-2" : "cp-1");
    }

    private static Endpoint endpoint(Snapshot snapshot, String service, String id) {
        return snapshot.getServicesList().stream().filter(s -> s.getName().equals(service))
                .flatMap(s -> s.getEndpointsList().stream()).filter(e -> e.getId().equals(id)).findFirst().orElse(null);
    }

    @Test
    void overridesSetThroughAFollowerArePersistedAtOnceAndSurviveALeaderChange() throws Exception {
        replicas = new Replicas(zk);
        replicas.start("cp-1");
        replicas.start("cp-2");
        LeaderInfo first = replicas.awaitLeader(0);
        ControlPlane follower = follower(first);
        AdminGrpc.AdminBlockingStub admin = replicas.admin(follower);
        replicas.register(Replicas.registration("web", "a", 8081, 10));
        replicas.register(Replicas.registration("web", "b", 8082, 10));

        Backend weighted = admin.setWeight(SetWeightRequest.newBuilder().setService("web").setId("a").setWeight(77).build());

        assertThat(storedOverride("web", "a")).isEqualTo(new EndpointOverride(77, false));
        assertThat(weighted.getRegistered()).isTrue();
        assertThat(weighted.getDeclaredWeight()).isEqualTo(10);
        assertThat(weighted.hasOverrideWeight()).isTrue();
        assertThat(weighted.getOverrideWeight()).isEqualTo(77);
        assertThat(weighted.getEffectiveWeight()).isEqualTo(77);
        assertThat(weighted.getState()).isEqualTo(EndpointState.ACTIVE);
        assertThat(weighted.getHost()).isEqualTo("127.0.0.1");
        assertThat(weighted.getPort()).isEqualTo(8081);

        Backend drained = admin.drain(DrainRequest.newBuilder().setService("web").setId("b").build());

        assertThat(storedOverride("web", "b")).isEqualTo(new EndpointOverride(null, true));
        assertThat(drained.getDrained()).isTrue();
        assertThat(drained.getState()).isEqualTo(EndpointState.DRAINING);
        assertThat(drained.getEffectiveWeight()).isZero();

        replicas.replica(first.id()).close();
        LeaderInfo second = replicas.awaitLeader(first.epoch());
        assertThat(second.id()).isEqualTo(follower.id());
        TestNode node = replicas.node(follower, "n1");

        Snapshot snapshot = await().atMost(Replicas.WAIT).until(() -> node.latest().orElse(null), s -> s != null);
        assertThat(snapshot.getEpoch()).isEqualTo(second.epoch());
        assertThat(endpoint(snapshot, "web", "a").getWeight()).isEqualTo(77);
        assertThat(endpoint(snapshot, "web", "a").getState()).isEqualTo(EndpointState.ACTIVE);
        assertThat(endpoint(snapshot, "web", "b").getWeight()).isZero();
        assertThat(endpoint(snapshot, "web", "b").getState()).isEqualTo(EndpointState.DRAINING);
    }

    private static LbAlgorithm algorithm(Snapshot snapshot, String service) {
        return snapshot.getServicesList().stream().filter(s -> s.getName().equals(service))
                .map(s -> s.getPolicy().getAlgorithm()).findFirst().orElse(null);
    }

    private static SetServicePolicyRequest policy(String service, LbAlgorithm algorithm) {
        return SetServicePolicyRequest.newBuilder().setService(service).setAlgorithm(algorithm).build();
    }

    @Test
    void servicePolicySetThroughAFollowerReachesSubscribersAndSurvivesALeaderChange() throws Exception {
        replicas = new Replicas(zk);
        replicas.start("cp-1");
        replicas.start("cp-2");
        LeaderInfo first = replicas.awaitLeader(0);
        ControlPlane follower = follower(first);
        AdminGrpc.AdminBlockingStub admin = replicas.admin(follower);
        TestNode node = replicas.node(replicas.replica(first.id()), "n1");

        // Before the service has any registration: operators configure before deploying.
        ServicePolicy set = admin.setServicePolicy(policy("web", LbAlgorithm.WEIGHTED_ROUND_ROBIN));

        assertThat(set.getService()).isEqualTo("web");
        assertThat(set.getAlgorithm()).isEqualTo(LbAlgorithm.WEIGHTED_ROUND_ROBIN);
        ServicePolicy.Builder stored = ServicePolicy.newBuilder();
        JsonFormat.parser().merge(new String(replicas.client.getData().forPath(replicas.paths.serviceConfig("web")),
                java.nio.charset.StandardCharsets.UTF_8), stored);
        assertThat(stored.build()).isEqualTo(set);
        assertThat(admin.getServicePolicy(io.ballast.proto.v1.GetServicePolicyRequest.newBuilder().setService("web").build()))
                .isEqualTo(set);

        replicas.register(Replicas.registration("web", "a", 8081, 10));
        replicas.register(Replicas.registration("api", "b", 8082, 10));
        Snapshot weighted = await().atMost(Replicas.WAIT).until(() -> node.latest().orElse(null),
                s -> s != null && algorithm(s, "web") == LbAlgorithm.WEIGHTED_ROUND_ROBIN && algorithm(s, "api") != null);
        assertThat(algorithm(weighted, "api")).isEqualTo(LbAlgorithm.ROUND_ROBIN);

        admin.setServicePolicy(policy("web", LbAlgorithm.RANDOM));

        Snapshot random = await().atMost(Replicas.WAIT).until(() -> node.latest().orElse(null),
                s -> s != null && algorithm(s, "web") == LbAlgorithm.RANDOM);
        assertThat(random.getVersion()).isGreaterThan(weighted.getVersion());

        admin.setServicePolicy(policy("web", LbAlgorithm.LEAST_REQUEST).toBuilder()
                .setSettings(Policy.newBuilder().setChoiceCount(3)).build());
        Snapshot leastRequest = await().atMost(Replicas.WAIT).until(() -> node.latest().orElse(null),
                s -> s != null && algorithm(s, "web") == LbAlgorithm.LEAST_REQUEST);
        assertThat(leastRequest.getServicesList().stream().filter(s -> s.getName().equals("web")).findFirst()
                .orElseThrow().getPolicy().getChoiceCount()).isEqualTo(3);

        replicas.replica(first.id()).close();
        LeaderInfo second = replicas.awaitLeader(first.epoch());
        TestNode next = replicas.node(replicas.replica(second.id()), "n2");

        Snapshot afterChange = await().atMost(Replicas.WAIT).until(() -> next.latest().orElse(null), s -> s != null);
        assertThat(afterChange.getEpoch()).isEqualTo(second.epoch());
        assertThat(algorithm(afterChange, "web")).isEqualTo(LbAlgorithm.LEAST_REQUEST);
        assertThat(algorithm(afterChange, "api")).isEqualTo(LbAlgorithm.ROUND_ROBIN);
    }

    @Test
    void setServicePolicyValidatesItsArguments() {
        replicas = new Replicas(zk);
        AdminGrpc.AdminBlockingStub admin = replicas.admin(replicas.start("cp-1"));

        assertStatus(() -> admin.setServicePolicy(policy("web", LbAlgorithm.LB_ALGORITHM_UNSPECIFIED)),
                Status.Code.INVALID_ARGUMENT,
                "algorithm: LB_ALGORITHM_UNSPECIFIED (expected: ROUND_ROBIN, WEIGHTED_ROUND_ROBIN, RANDOM, LEAST_CONNECTIONS,"
                        + " LEAST_REQUEST, PEAK_EWMA, RING_HASH or MAGLEV)");
        assertStatus(() -> admin.setServicePolicy(SetServicePolicyRequest.newBuilder().setService("web")
                        .setAlgorithmValue(42).build()),
                Status.Code.INVALID_ARGUMENT, "algorithm: 42 (expected: ROUND_ROBIN, WEIGHTED_ROUND_ROBIN, RANDOM,"
                        + " LEAST_CONNECTIONS, LEAST_REQUEST, PEAK_EWMA, RING_HASH or MAGLEV)");
        assertStatus(() -> admin.setServicePolicy(policy("Web!", LbAlgorithm.RANDOM)),
                Status.Code.INVALID_ARGUMENT, "service: \"Web!\" (expected: [a-z0-9][a-z0-9._-]{0,62})");
        assertStatus(() -> admin.setServicePolicy(policy("web", LbAlgorithm.LEAST_REQUEST).toBuilder()
                        .setSettings(Policy.newBuilder().setChoiceCount(1)).build()),
                Status.Code.INVALID_ARGUMENT, "settings.choice_count: 1 (expected: 0 (default 2) or 2..10)");
        assertStatus(() -> admin.setServicePolicy(policy("web", LbAlgorithm.RING_HASH).toBuilder()
                        .setSettings(Policy.newBuilder().setRingSize(0)
                                .setHashKey(HashKey.newBuilder().setSource(HashKey.Source.HEADER).setName("x-user"))).build()),
                Status.Code.INVALID_ARGUMENT, "settings.ring_size: 0 (expected: 1..8388608)");
        assertStatus(() -> admin.setServicePolicy(policy("web", LbAlgorithm.MAGLEV)),
                Status.Code.INVALID_ARGUMENT, "settings.hash_key.source: SOURCE_UNSPECIFIED (expected: HEADER, COOKIE,"
                        + " CLIENT_IP or PATH (RING_HASH and MAGLEV need a hash key))");
        assertStatus(() -> admin.setServicePolicy(policy("web", LbAlgorithm.MAGLEV).toBuilder()
                        .setSettings(Policy.newBuilder().setMaglevTableSize(100)
                                .setHashKey(HashKey.newBuilder().setSource(HashKey.Source.CLIENT_IP))).build()),
                Status.Code.INVALID_ARGUMENT, "settings.maglev_table_size: 100 (expected: a prime >= 100 x 0 endpoints and <= 5000011, e.g. 101)");
        assertStatus(() -> admin.setServicePolicy(policy("web", LbAlgorithm.ROUND_ROBIN).toBuilder()
                        .setSettings(Policy.newBuilder().setRateLimit(RateLimit.newBuilder().setClusterRequestsPerSecond(-5))).build()),
                Status.Code.INVALID_ARGUMENT, "settings.rate_limit.cluster_requests_per_second: -5.0 (expected: > 0 and <= 1e9)");
        assertStatus(() -> admin.setServicePolicy(policy("web", LbAlgorithm.ROUND_ROBIN).toBuilder()
                        .setSettings(Policy.newBuilder().setLocality(Locality.newBuilder().setEnabled(true).setOverprovisioningPercent(50)))
                        .setSlowStart(SlowStart.newBuilder().setWindowMillis(4_000_000)).build()),
                Status.Code.INVALID_ARGUMENT, "settings.locality.overprovisioning_percent: 50 (expected: 0 (default 140) or 100..1000);"
                        + " slow_start.window_millis: 4000000 (expected: 0 (off) or 1..3600000)");
    }

    @Test
    void setWeightValidatesItsArguments() {
        replicas = new Replicas(zk);
        AdminGrpc.AdminBlockingStub admin = replicas.admin(replicas.start("cp-1"));

        assertStatus(() -> admin.setWeight(SetWeightRequest.newBuilder().setService("web").setId("a").setWeight(20_000).build()),
                Status.Code.INVALID_ARGUMENT, "weight: 20000 (expected: 0..10000)");
        assertStatus(() -> admin.setWeight(SetWeightRequest.newBuilder().setService("Web!").setId("a").setWeight(1).build()),
                Status.Code.INVALID_ARGUMENT, "service: \"Web!\" (expected: [a-z0-9][a-z0-9._-]{0,62})");
        assertStatus(() -> admin.setWeight(SetWeightRequest.newBuilder().setService("web").setId("").setWeight(1).build()),
                Status.Code.INVALID_ARGUMENT, "id: \"\" (expected: [A-Za-z0-9._:-]{1,128})");
        assertStatus(() -> admin.setWeight(SetWeightRequest.newBuilder().setService("web").setId("x").setWeight(1).build()),
                Status.Code.NOT_FOUND, "backend web/x is not registered and has no override");
        assertStatus(() -> admin.drain(DrainRequest.newBuilder().setService("web").setId("x").build()),
                Status.Code.NOT_FOUND, "backend web/x is not registered and has no override");
        assertStatus(() -> admin.listBackends(ListBackendsRequest.newBuilder().setService("nope").build()),
                Status.Code.NOT_FOUND, "service nope has no registered backend and no override");
    }

    @Test
    void clearAndUndrainRemoveTheOverrideAndDrainIsIdempotent() throws Exception {
        replicas = new Replicas(zk);
        AdminGrpc.AdminBlockingStub admin = replicas.admin(replicas.start("cp-1"));
        replicas.register(Replicas.registration("web", "a", 8081, 10));
        String path = replicas.paths.endpointConfig("web", "a");
        DrainRequest a = DrainRequest.newBuilder().setService("web").setId("a").build();

        admin.setWeight(SetWeightRequest.newBuilder().setService("web").setId("a").setWeight(5).build());
        admin.drain(a);
        Backend twice = admin.drain(a);
        assertThat(storedOverride("web", "a")).isEqualTo(new EndpointOverride(5, true));
        assertThat(twice.getDrained()).isTrue();
        assertThat(twice.getOverrideWeight()).isEqualTo(5);

        Backend cleared = admin.setWeight(SetWeightRequest.newBuilder().setService("web").setId("a").setClear(true).build());
        assertThat(cleared.hasOverrideWeight()).isFalse();
        assertThat(cleared.getDrained()).isTrue();
        assertThat(storedOverride("web", "a")).isEqualTo(new EndpointOverride(null, true));

        Backend undrained = admin.undrain(a);
        assertThat(undrained.getState()).isEqualTo(EndpointState.ACTIVE);
        assertThat(undrained.getEffectiveWeight()).isEqualTo(10);
        assertThat(replicas.client.checkExists().forPath(path)).isNull();
        Backend again = admin.undrain(a);
        assertThat(again.getDrained()).isFalse();
        assertThat(replicas.client.checkExists().forPath(path)).isNull();
    }

    @Test
    void listBackendsShowsRegistrationsAndOverrideOnlyBackends() throws Exception {
        replicas = new Replicas(zk);
        ControlPlane replica = replicas.start("cp-1");
        AdminGrpc.AdminBlockingStub admin = replicas.admin(replica);
        replicas.register(Replicas.registration("web", "a", 8081, 10));
        replicas.register(Replicas.registration("api", "c", 8083, 4));
        admin.setWeight(SetWeightRequest.newBuilder().setService("web").setId("a").setWeight(20).build());
        // The agent of web/a goes away; its override stays.
        replicas.deregister("web", "a");
        replicas.register(Replicas.registration("web", "b", 8082, 10));

        await().atMost(Replicas.WAIT).until(() -> admin.listBackends(ListBackendsRequest.getDefaultInstance()).getBackendsCount() == 3
                && !replica.clusterState().registration("web", "a").isPresent());
        var all = admin.listBackends(ListBackendsRequest.getDefaultInstance()).getBackendsList();
        assertThat(all).extracting(b -> b.getService() + "/" + b.getId()).containsExactly("api/c", "web/a", "web/b");
        Backend ghost = all.get(1);
        assertThat(ghost.getRegistered()).isFalse();
        assertThat(ghost.getOverrideWeight()).isEqualTo(20);
        assertThat(ghost.getEffectiveWeight()).isZero();
        assertThat(all.get(2).getRegistered()).isTrue();
        assertThat(all.get(2).hasOverrideWeight()).isFalse();
        assertThat(all.get(2).getEffectiveWeight()).isEqualTo(10);

        assertThat(admin.listBackends(ListBackendsRequest.newBuilder().setService("api").build()).getBackendsList())
                .extracting(Backend::getId).containsExactly("c");
        // An override-only backend can still be changed, and cleared.
        Backend cleared = admin.setWeight(SetWeightRequest.newBuilder().setService("web").setId("a").setClear(true).build());
        assertThat(cleared.getRegistered()).isFalse();
        assertThat(replicas.client.checkExists().forPath(replicas.paths.endpointConfig("web", "a"))).isNull();
    }

    @Test
    void getStatusListsNodesWithTheirAppliedVersion() throws Exception {
        replicas = new Replicas(zk);
        ControlPlane replica = replicas.start("cp-1");
        LeaderInfo leader = replicas.awaitLeader(0);
        replicas.client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(replicas.paths.node("n1"),
                Json.write(new NodeRegistration("n1", "127.0.0.1:8080", "127.0.0.1:9901", "z1", leader.epoch(), 1,
                        "port: 0 (expected: 1..65535)")));

        ClusterStatus status = replicas.admin(replica).getStatus(GetStatusRequest.getDefaultInstance());

        assertThat(status.getAnsweredBy()).isEqualTo("cp-1");
        assertThat(status.getLeaderId()).isEqualTo("cp-1");
        assertThat(status.getNodesList()).containsExactly(NodeStatus.newBuilder().setId("n1").setProxyAddress("127.0.0.1:8080")
                .setZone("z1").setAppliedEpoch(leader.epoch()).setAppliedVersion(1)
                .setLastError("port: 0 (expected: 1..65535)").build());
    }

    private static void assertStatus(Runnable call, Status.Code code, String description) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(code);
                    assertThat(e.getStatus().getDescription()).isEqualTo(description);
                });
    }
}
