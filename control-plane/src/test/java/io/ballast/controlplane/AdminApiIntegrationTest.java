package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.common.json.Json;
import io.ballast.common.model.LeaderInfo;
import io.ballast.common.model.LoadReport;
import io.ballast.common.model.NodeRegistration;
import io.ballast.proto.v1.AdminGrpc;
import io.ballast.proto.v1.AuditEntry;
import io.ballast.proto.v1.Backend;
import io.ballast.proto.v1.ClusterStatus;
import io.ballast.proto.v1.DeleteServicePolicyRequest;
import io.ballast.proto.v1.Event;
import io.ballast.proto.v1.GetBackendRequest;
import io.ballast.proto.v1.GetServicePolicyRequest;
import io.ballast.proto.v1.GetStatusRequest;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.ListAuditRequest;
import io.ballast.proto.v1.ListEventsRequest;
import io.ballast.proto.v1.ListServicesRequest;
import io.ballast.proto.v1.NodeStatus;
import io.ballast.proto.v1.Route;
import io.ballast.proto.v1.ServicePolicy;
import io.ballast.proto.v1.ServiceSummary;
import io.ballast.proto.v1.SetRoutesRequest;
import io.ballast.proto.v1.SetServicePolicyRequest;
import io.ballast.proto.v1.SetWeightRequest;
import io.ballast.proto.v1.WatchEventsRequest;
import io.ballast.testing.ZooKeeperExtension;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator's admin surface beyond backends and policies: events, audit, lost-update guards, services, node detail. */
class AdminApiIntegrationTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    private Replicas replicas;

    @AfterEach
    void closeAll() {
        if (replicas != null) {
            replicas.close();
        }
    }

    private ControlPlane follower(LeaderInfo leader) {
        return replicas.replica(leader.id().equals("cp-1") ? "cp-2" : "cp-1");
    }

    private static void assertStatus(Runnable call, Status.Code code, String description) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(description);
        });
    }

    @Test
    void eventsStreamWithHistoryAndTheAuditLogIsTheSameOnEveryReplica() throws Exception {
        replicas = new Replicas(zk);
        replicas.start("cp-1");
        replicas.start("cp-2");
        LeaderInfo leader = replicas.awaitLeader(0);
        ControlPlane follower = follower(leader);
        AdminGrpc.AdminBlockingStub followerAdmin = replicas.admin(follower);
        AdminGrpc.AdminBlockingStub leaderAdmin = replicas.admin(replicas.replica(leader.id()));
        List<Event> watched = new CopyOnWriteArrayList<>();
        AdminGrpc.newStub(replicas.channel(follower)).watchEvents(WatchEventsRequest.newBuilder().setIncludeHistory(true).build(),
                new StreamObserver<>() {
                    @Override public void onNext(Event event) { watched.add(event); }
                    @Override public void onError(Throwable t) {}
                    @Override public void onCompleted() {}
                });

        replicas.register(Replicas.registration("web", "a", 8081, 10));
        await().atMost(Replicas.WAIT).until(() -> kinds(watched).contains("registered"));
        followerAdmin.setWeight(SetWeightRequest.newBuilder().setService("web").setId("a").setWeight(77).build());
        await().atMost(Replicas.WAIT).until(() -> kinds(watched).contains("override_changed"));
        Event override = watched.stream().filter(e -> e.getKind().equals("override_changed")).findFirst().orElseThrow();
        assertThat(override.getService() + "/" + override.getId()).isEqualTo("web/a");
        assertThat(override.getDetail()).isEqualTo("none -> weight 77");
        assertThat(override.getObservedBy()).isEqualTo(follower.id());

        // The same history on request, and on the leader, which saw the same ZooKeeper changes.
        await().atMost(Replicas.WAIT).until(() -> kinds(leaderAdmin.listEvents(ListEventsRequest.getDefaultInstance())
                .getEventsList()).containsAll(List.of("registered", "override_changed", "snapshot_published")));

        // The audit log, written by the follower that served the call, read through the leader.
        List<AuditEntry> audit = leaderAdmin.listAudit(ListAuditRequest.getDefaultInstance()).getEntriesList();
        assertThat(audit).hasSize(1);
        AuditEntry entry = audit.get(0);
        assertThat(List.of(entry.getMethod(), entry.getTarget(), entry.getBefore(), entry.getAfter(), entry.getIdentity(),
                entry.getReplica())).containsExactly("SetWeight", "web/a", "none", "weight 77", "anonymous", follower.id());
        assertThat(entry.getAtUnixMillis()).isPositive();

        // A leader change is an event too, seen by the surviving replica.
        replicas.replica(leader.id()).close();
        await().atMost(Replicas.WAIT).until(() -> watched.stream()
                .anyMatch(e -> e.getKind().equals("leader_changed") && e.getId().equals(follower.id())));
    }

    @Test
    void anExpectedVersionGuardsAgainstLostUpdates() {
        replicas = new Replicas(zk);
        AdminGrpc.AdminBlockingStub admin = replicas.admin(replicas.start("cp-1"));

        ServicePolicy created = admin.setServicePolicy(SetServicePolicyRequest.newBuilder().setService("web")
                .setAlgorithm(LbAlgorithm.RANDOM).setExpectedVersion(-1).build());
        assertThat(created.getVersion()).isZero();
        assertStatus(() -> admin.setServicePolicy(SetServicePolicyRequest.newBuilder().setService("web")
                        .setAlgorithm(LbAlgorithm.ROUND_ROBIN).setExpectedVersion(-1).build()),
                Status.Code.FAILED_PRECONDITION, "expected_version: -1 (expected: the current version 0 of");
        ServicePolicy updated = admin.setServicePolicy(SetServicePolicyRequest.newBuilder().setService("web")
                .setAlgorithm(LbAlgorithm.WEIGHTED_ROUND_ROBIN).setExpectedVersion(0).build());
        assertThat(updated.getVersion()).isEqualTo(1);
        assertStatus(() -> admin.setServicePolicy(SetServicePolicyRequest.newBuilder().setService("web")
                        .setAlgorithm(LbAlgorithm.RANDOM).setExpectedVersion(0).build()),
                Status.Code.FAILED_PRECONDITION, "expected_version: 0 (expected: the current version 1 of");
        await().atMost(Replicas.WAIT).until(() -> admin.getServicePolicy(GetServicePolicyRequest.newBuilder().setService("web")
                .build()).getAlgorithm() == LbAlgorithm.WEIGHTED_ROUND_ROBIN);
        assertThat(admin.getServicePolicy(GetServicePolicyRequest.newBuilder().setService("web").build()).getVersion()).isEqualTo(1);

        assertStatus(() -> admin.deleteServicePolicy(DeleteServicePolicyRequest.newBuilder().setService("web")
                .setExpectedVersion(0).build()), Status.Code.FAILED_PRECONDITION, "expected_version: 0");
        assertThat(admin.deleteServicePolicy(DeleteServicePolicyRequest.newBuilder().setService("web").setExpectedVersion(1)
                .build()).getVersion()).isEqualTo(-1);
        // Idempotent without a guard.
        admin.deleteServicePolicy(DeleteServicePolicyRequest.newBuilder().setService("web").build());
        assertThat(admin.getServicePolicy(GetServicePolicyRequest.newBuilder().setService("web").build()).getVersion()).isEqualTo(-1);

        var routes = admin.setRoutes(SetRoutesRequest.newBuilder().addRoutes(Route.newBuilder().setPathPrefix("/")
                .setService("web")).setExpectedVersion(-1).build());
        assertThat(routes.getVersion()).isZero();
        assertStatus(() -> admin.setRoutes(SetRoutesRequest.newBuilder().setExpectedVersion(7).build()),
                Status.Code.FAILED_PRECONDITION, "expected_version: 7 (expected: the current version 0 of");
        assertStatus(() -> admin.setRoutes(SetRoutesRequest.newBuilder().setExpectedVersion(-2).build()),
                Status.Code.INVALID_ARGUMENT, "expected_version: -2 (expected: -1 (none stored yet) or a version >= 0)");
        assertThat(admin.listAudit(ListAuditRequest.getDefaultInstance()).getEntriesList())
                .extracting(AuditEntry::getMethod)
                .containsExactly("SetServicePolicy", "SetServicePolicy", "DeleteServicePolicy", "SetRoutes");
    }

    @Test
    void servicesBackendsAndNodesInDetail() throws Exception {
        replicas = new Replicas(zk);
        ControlPlane cp = replicas.start("cp-1");
        replicas.awaitLeader(0);
        AdminGrpc.AdminBlockingStub admin = replicas.admin(cp);
        replicas.register(Replicas.registration("web", "a", 8081, 10).withLoad(new LoadReport(0.25, 3, 1_000, 40, 0.5)));
        replicas.register(Replicas.registration("web", "b", 8082, 0));
        admin.setRoutes(SetRoutesRequest.newBuilder().addRoutes(Route.newBuilder().setPathPrefix("/new")
                .setService("checkout")).build());
        TestNode node = replicas.node(cp, "n1");
        await().atMost(Replicas.WAIT).until(() -> node.latest().map(s -> s.getServicesCount() == 2).orElse(false));
        replicas.client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(replicas.paths.node("n1"),
                Json.write(new NodeRegistration("n1", "127.0.0.1:8080", "", "z1", 1, 1, "")));

        await().atMost(Replicas.WAIT).untilAsserted(() -> assertThat(admin.listServices(ListServicesRequest.getDefaultInstance())
                .getServicesList()).extracting(ServiceSummary::getName, ServiceSummary::getBackends, ServiceSummary::getActive,
                        ServiceSummary::getRoutes)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("checkout", 0, 0, 1),
                        org.assertj.core.groups.Tuple.tuple("web", 2, 1, 0)));

        Backend a = admin.getBackend(GetBackendRequest.newBuilder().setService("web").setId("a").build());
        assertThat(a.getLastLoad().getQps()).isEqualTo(40);
        assertThat(a.getLastLoad().getUtilization()).isEqualTo(0.5);
        assertThat(a.getLastLoad().getInFlight()).isEqualTo(3);
        assertThat(a.getWeightTermsList()).extracting(t -> t.getName()).contains("base", "load", "damping");
        assertStatus(() -> admin.getBackend(GetBackendRequest.newBuilder().setService("web").setId("zz").build()),
                Status.Code.NOT_FOUND, "backend web/zz is not registered");

        ClusterStatus status = await().atMost(Replicas.WAIT).until(() -> admin.getStatus(GetStatusRequest.getDefaultInstance()),
                s -> s.getNodesCount() == 1 && s.getNodes(0).getLastAnswer().equals("ACK"));
        NodeStatus n1 = status.getNodes(0);
        assertThat(n1.getConnected()).isTrue();
        assertThat(n1.getConnectedSinceUnixMillis()).isPositive();
        assertThat(status.getZookeeperState()).isEqualTo("CONNECTED");
        assertThat(status.getReplicasList()).allMatch(r -> r.getServing());
        // The registration says version 1; the leader has published more since (the routes, the load).
        assertThat(n1.getLagVersions()).isEqualTo(status.getSnapshotVersion() - 1);
    }

    private static List<String> kinds(List<Event> events) {
        return events.stream().map(Event::getKind).toList();
    }

    @Test
    void aRegistrationOutsideTheServicesAllowedNetworksIsRefusedReportedAndNeverPushed() throws Exception {
        replicas = new Replicas(zk);
        ControlPlane cp = replicas.start("cp-1");
        replicas.awaitLeader(0);
        AdminGrpc.AdminBlockingStub admin = replicas.admin(cp);
        assertStatus(() -> admin.setServicePolicy(SetServicePolicyRequest.newBuilder().setService("web")
                        .setAlgorithm(LbAlgorithm.ROUND_ROBIN).addAllowedBackendNetworks("10.0.0.0/33").build()),
                Status.Code.INVALID_ARGUMENT, "allowed_backend_networks[0]: \"10.0.0.0/33\" (expected: an IPv4 or IPv6 address or CIDR");
        admin.setServicePolicy(SetServicePolicyRequest.newBuilder().setService("web").setAlgorithm(LbAlgorithm.ROUND_ROBIN)
                .addAllowedBackendNetworks("127.0.0.0/8").build());
        TestNode node = replicas.node(cp, "n1");
        replicas.register(Replicas.registration("web", "good", 8081, 10));
        replicas.register(new io.ballast.common.model.BackendRegistration("web", "rogue", "203.0.113.9", 8082, "", 10,
                java.util.Map.of(), "test", 1L, null));

        await().atMost(Replicas.WAIT).until(() -> kinds(admin.listEvents(ListEventsRequest.getDefaultInstance()).getEventsList())
                .containsAll(List.of("registered", "registration_refused")));
        var snapshot = await().atMost(Replicas.WAIT).until(() -> node.latest().orElse(null),
                s -> s != null && s.getServicesCount() == 1 && s.getServices(0).getEndpointsCount() == 1);
        assertThat(snapshot.getServices(0).getEndpoints(0).getId()).isEqualTo("good");
        Backend rogue = admin.getBackend(GetBackendRequest.newBuilder().setService("web").setId("rogue").build());
        assertThat(rogue.getRefused()).isEqualTo("address 203.0.113.9 is outside the service's allowed networks 127.0.0.0/8");
        assertThat(rogue.getEffectiveWeight()).isZero();
        Event refused = admin.listEvents(ListEventsRequest.getDefaultInstance()).getEventsList().stream()
                .filter(e -> e.getKind().equals("registration_refused")).findFirst().orElseThrow();
        assertThat(refused.getId()).isEqualTo("rogue");
    }

    @Test
    void aBackendEjectedByHandGetsNoTrafficUntilRestoredAndKeepsItsOtherOverrides() throws Exception {
        replicas = new Replicas(zk);
        ControlPlane cp = replicas.start("cp-1");
        replicas.awaitLeader(0);
        AdminGrpc.AdminBlockingStub admin = replicas.admin(cp);
        TestNode node = replicas.node(cp, "n1");
        replicas.register(Replicas.registration("web", "a", 8081, 10));
        admin.setWeight(SetWeightRequest.newBuilder().setService("web").setId("a").setWeight(30).build());
        assertStatus(() -> admin.eject(io.ballast.proto.v1.EjectRequest.newBuilder().setService("web").setId("a").build()),
                Status.Code.INVALID_ARGUMENT, "reason: \"\" (expected: 1..256 characters saying why)");

        Backend ejected = admin.eject(io.ballast.proto.v1.EjectRequest.newBuilder().setService("web").setId("a")
                .setReason("returns stale data").build());
        assertThat(ejected.getEjected()).isEqualTo("returns stale data");
        assertThat(ejected.getState()).isEqualTo(io.ballast.proto.v1.EndpointState.EJECTED);
        assertThat(ejected.getEffectiveWeight()).isZero();
        var inSnapshot = await().atMost(Replicas.WAIT).until(() -> node.latest().orElse(null), s -> s != null
                && s.getServicesCount() == 1 && s.getServices(0).getEndpoints(0).getState() == io.ballast.proto.v1.EndpointState.EJECTED);
        assertThat(inSnapshot.getServices(0).getEndpoints(0).getWeight()).isZero();

        Backend restored = admin.restore(io.ballast.proto.v1.DrainRequest.newBuilder().setService("web").setId("a").build());
        assertThat(restored.getState()).isEqualTo(io.ballast.proto.v1.EndpointState.ACTIVE);
        assertThat(restored.getOverrideWeight()).isEqualTo(30);
        await().atMost(Replicas.WAIT).until(() -> node.latest().map(s -> s.getServices(0).getEndpoints(0).getWeight() == 30).orElse(false));
        assertThat(admin.listAudit(ListAuditRequest.getDefaultInstance()).getEntriesList())
                .extracting(AuditEntry::getMethod, AuditEntry::getAfter)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("SetWeight", "weight 30"),
                        org.assertj.core.groups.Tuple.tuple("Eject", "weight 30, ejected (returns stale data)"),
                        org.assertj.core.groups.Tuple.tuple("Restore", "weight 30"));
    }

    @Test
    void aDrainWithWaitReturnsOnceEveryNodeAppliedItAndReportsNothingInFlight() throws Exception {
        replicas = new Replicas(zk);
        ControlPlane cp = replicas.start("cp-1");
        LeaderInfo leader = replicas.awaitLeader(0);
        replicas.start("cp-2");
        AdminGrpc.AdminBlockingStub viaFollower = replicas.admin(replicas.replica("cp-2"));
        replicas.register(Replicas.registration("web", "a", 8081, 10));
        TestNode n1 = replicas.node(cp, "n1");
        TestNode n2 = replicas.node(cp, "n2");
        for (String id : List.of("n1", "n2")) {
            replicas.client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(replicas.paths.node(id),
                    Json.write(new NodeRegistration(id, "127.0.0.1:1", "", "", 1, 1, "")));
        }
        await().atMost(Replicas.WAIT).until(() -> n1.latest().isPresent() && n2.latest().isPresent());
        n1.report(java.util.Map.of("127.0.0.1:8081", 2), n1.latest().get().getVersion());

        // Without wait: answered at once, barrier in progress (n1 still has requests in flight to a).
        Backend started = viaFollower.drain(io.ballast.proto.v1.DrainRequest.newBuilder().setService("web").setId("a").build());
        assertThat(started.getDrained()).isTrue();
        long drainVersion = await().atMost(Replicas.WAIT).until(() -> n1.latest().orElseThrow(), s ->
                s.getServices(0).getEndpoints(0).getState() == io.ballast.proto.v1.EndpointState.DRAINING).getVersion();
        await().atMost(Replicas.WAIT).until(() -> n2.latest().map(s -> s.getVersion() >= drainVersion).orElse(false));
        n1.report(java.util.Map.of("127.0.0.1:8081", 2), drainVersion);
        n2.report(java.util.Map.of(), drainVersion);

        Backend timedOut = viaFollower.drain(io.ballast.proto.v1.DrainRequest.newBuilder().setService("web").setId("a")
                .setWait(true).setTimeoutMillis(1_500).build());
        assertThat(timedOut.getDrain().getState()).isEqualTo("TIMED_OUT");
        assertThat(timedOut.getDrain().getLaggingList()).containsExactly("n1: 2 requests in flight");

        // The long requests finish: the next report releases the barrier, and a waiting drain returns.
        java.util.concurrent.CompletableFuture<Backend> waiting = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                viaFollower.drain(io.ballast.proto.v1.DrainRequest.newBuilder().setService("web").setId("a").setWait(true).build()));
        n1.report(java.util.Map.of(), drainVersion);
        Backend complete = waiting.get(15, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(complete.getDrain().getState()).isEqualTo("COMPLETE");
        assertThat(complete.getDrain().getVersion()).isEqualTo(drainVersion);
        assertThat(complete.getDrain().getLaggingList()).isEmpty();
        assertThat(viaFollower.getBackend(GetBackendRequest.newBuilder().setService("web").setId("a").build())
                .getDrain().getState()).isEqualTo("COMPLETE");
        await().atMost(Replicas.WAIT).until(() -> kinds(viaFollower.listEvents(ListEventsRequest.getDefaultInstance())
                .getEventsList()).contains("drain_complete") || kinds(replicas.admin(cp).listEvents(
                ListEventsRequest.getDefaultInstance()).getEventsList()).contains("drain_complete"));
        assertThat(leader.id()).isEqualTo("cp-1");
    }
}
