package io.ballast.controlplane.admin;

import io.ballast.common.config.Checks;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.EndpointOverride;
import io.ballast.common.zk.ZkPaths;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.controlplane.state.ZkEntries;
import io.ballast.controlplane.zk.ZkCallException;
import io.ballast.controlplane.zk.ZkCalls;
import io.ballast.proto.v1.AdminGrpc;
import io.ballast.proto.v1.Backend;
import io.ballast.proto.v1.ClusterStatus;
import io.ballast.proto.v1.DrainRequest;
import io.ballast.proto.v1.GetStatusRequest;
import io.ballast.proto.v1.LbAlgorithm;
import io.ballast.proto.v1.ListBackendsRequest;
import io.ballast.proto.v1.ListBackendsResponse;
import io.ballast.common.policy.AddressRules;
import io.ballast.common.policy.PolicyRules;
import io.ballast.common.policy.RouteRules;
import io.ballast.controlplane.weights.WeightResult;
import io.ballast.proto.v1.ExplainWeightRequest;
import io.ballast.proto.v1.GetRoutesRequest;
import io.ballast.proto.v1.GetServicePolicyRequest;
import io.ballast.proto.v1.Policy;
import io.ballast.proto.v1.RateLimit;
import io.ballast.proto.v1.ServicePolicy;
import io.ballast.proto.v1.SetRoutesRequest;
import io.ballast.proto.v1.SetRoutesResponse;
import io.ballast.proto.v1.WeightExplanation;
import io.ballast.controlplane.events.EventLog;
import io.ballast.proto.v1.AuditEntry;
import io.ballast.proto.v1.DeleteServicePolicyRequest;
import io.ballast.proto.v1.EjectRequest;
import io.ballast.proto.v1.DrainStatus;
import java.util.concurrent.TimeUnit;
import io.ballast.proto.v1.Event;
import io.ballast.proto.v1.GetBackendRequest;
import io.ballast.proto.v1.ListAuditRequest;
import io.ballast.proto.v1.ListAuditResponse;
import io.ballast.proto.v1.ListEventsRequest;
import io.ballast.proto.v1.ListEventsResponse;
import io.ballast.proto.v1.ListServicesRequest;
import io.ballast.proto.v1.ListServicesResponse;
import io.ballast.proto.v1.ServiceSummary;
import io.ballast.proto.v1.WatchEventsRequest;
import java.util.ArrayList;
import java.util.List;
import io.ballast.proto.v1.SetServicePolicyRequest;
import io.ballast.proto.v1.SetWeightRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ballast.v1.Admin} gRPC service, served by every replica, leader or not.
 *
 * <p>Reads: status straight from ZooKeeper; backends from this replica's {@link ClusterState}
 * (its caches). Writes: persisted in {@code config/endpoints/} or {@code config/services/} before the call returns, so any
 * replica (and the next leader) sees them; the returned Backend reflects the write.
 *
 * <p>Threading: runs on gRPC's executor threads and blocks on ZooKeeper; it never touches the
 * state thread except through its {@link ReplicaView}. Every mutation is persisted, then written
 * to the audit log ({@link AuditLog}), then answered.
 *
 * <p>Errors: INVALID_ARGUMENT names field, value and expectation; NOT_FOUND names the backend
 * or service; UNAVAILABLE when this replica cannot reach ZooKeeper.
 */
public final class AdminService extends AdminGrpc.AdminImplBase {

    private static final Logger log = LoggerFactory.getLogger(AdminService.class);

    private final CuratorFramework client;
    private final ZkPaths paths;
    private final String replicaId;
    private final ReplicaView view;
    private final OverrideStore overrides;
    private final ConfigStore config;
    private final AuditLog audit;
    private final io.ballast.controlplane.drain.DrainStatusStore drains;
    private final StatusReader statusReader;

    public AdminService(CuratorFramework client, ZkPaths paths, String replicaId, ReplicaView view) {
        this.client = client;
        this.paths = paths;
        this.replicaId = replicaId;
        this.view = view;
        this.overrides = new OverrideStore(client, paths);
        this.config = new ConfigStore(client);
        this.audit = new AuditLog(client, paths);
        this.drains = new io.ballast.controlplane.drain.DrainStatusStore(client, paths);
        this.statusReader = new StatusReader(client, paths);
    }

    @Override
    public void getStatus(GetStatusRequest request, StreamObserver<ClusterStatus> responses) {
        answer(responses, () -> {
            requireZooKeeper();
            return statusReader.read(replicaId, view.streams(), client.getZookeeperClient().isConnected()
                    ? "CONNECTED" : "DISCONNECTED").toBuilder().addAllServices(view.serviceHealth()).build();
        });
    }

    @Override
    public void listBackends(ListBackendsRequest request, StreamObserver<ListBackendsResponse> responses) {
        answer(responses, () -> {
            String service = request.getService().isEmpty() ? null : Checks.checkName("service", request.getService());
            ClusterState current = view.state();
            io.ballast.controlplane.health.HealthOverlay health = view.healthOverlay();
            if (service != null && !current.knownServices().contains(service) && health.suspects(service).isEmpty()) {
                throw AdminException.notFound("service " + service + " has no registered backend and no override");
            }
            return ListBackendsResponse.newBuilder().addAllBackends(backends(current, health, service, view.weights())).build();
        });
    }

    @Override
    public void setWeight(SetWeightRequest request, StreamObserver<Backend> responses) {
        answer(responses, () -> {
            if (!request.getClear()) {
                Checks.checkWeight("weight", Integer.toUnsignedLong(request.getWeight()));
            }
            Integer weight = request.getClear() ? null : request.getWeight();
            return mutate("SetWeight", request.getService(), request.getId(),
                    current -> new EndpointOverride(weight, current.drained(), current.ejected()));
        });
    }

    @Override
    public void drain(DrainRequest request, StreamObserver<Backend> responses) {
        answer(responses, () -> {
            long timeoutMillis = Integer.toUnsignedLong(request.getTimeoutMillis()) == 0 ? 30_000
                    : Checks.checkRange("timeout_millis", Integer.toUnsignedLong(request.getTimeoutMillis()), 1, 600_000);
            Backend drained = mutate("Drain", request.getService(), request.getId(),
                    current -> new EndpointOverride(current.weight(), true, current.ejected()));
            return request.getWait() ? awaitDrain(drained, timeoutMillis) : drained;
        });
    }

    /**
     * Polls the leader's barrier status (control/drains/...) until it is COMPLETE or the timeout
     * passes (then TIMED_OUT with the last lagging nodes). On a gRPC thread; 100 ms between reads.
     */
    private Backend awaitDrain(Backend drained, long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        DrainStatus last = DrainStatus.newBuilder().setState("IN_PROGRESS").addLagging("the leader has not evaluated it yet").build();
        while (true) {
            Optional<DrainStatus> status = drains.read(drained.getService(), drained.getId());
            if (status.isPresent()) {
                last = status.get();
                if (last.getState().equals("COMPLETE")) {
                    return drained.toBuilder().setDrain(last).build();
                }
            }
            if (System.nanoTime() >= deadline) {
                return drained.toBuilder().setDrain(last.toBuilder().setState("TIMED_OUT")).build();
            }
            try {
                Thread.sleep(100); // polls ZooKeeper at a bounded rate; not synchronisation between threads
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return drained.toBuilder().setDrain(last).build();
            }
        }
    }

    @Override
    public void undrain(DrainRequest request, StreamObserver<Backend> responses) {
        answer(responses, () -> mutate("Undrain", request.getService(), request.getId(),
                current -> new EndpointOverride(current.weight(), false, current.ejected())));
    }

    @Override
    public void eject(EjectRequest request, StreamObserver<Backend> responses) {
        answer(responses, () -> {
            String reason = request.getReason();
            Checks.check(!reason.isBlank() && reason.length() <= 256, "reason", reason, "1..256 characters saying why");
            return mutate("Eject", request.getService(), request.getId(), current -> current.withEjected(reason));
        });
    }

    @Override
    public void restore(DrainRequest request, StreamObserver<Backend> responses) {
        answer(responses, () -> mutate("Restore", request.getService(), request.getId(), current -> current.withEjected(null)));
    }

    @Override
    public void setServicePolicy(SetServicePolicyRequest request, StreamObserver<ServicePolicy> responses) {
        answer(responses, () -> {
            String service = Checks.checkName("service", request.getService());
            LbAlgorithm algorithm = request.getAlgorithm();
            List<String> problems = new ArrayList<>();
            // Unrecognized covers numbers a newer client may send that this replica does not know.
            if (!PolicyRules.ALGORITHMS.contains(algorithm)) {
                problems.add(Checks.message("algorithm", algorithm == LbAlgorithm.UNRECOGNIZED
                        ? (Object) request.getAlgorithmValue() : algorithm, PolicyRules.ALGORITHM_NAMES));
            }
            Policy settings = request.getSettings().toBuilder().setAlgorithm(
                    PolicyRules.ALGORITHMS.contains(algorithm) ? algorithm : LbAlgorithm.ROUND_ROBIN).build();
            int endpoints = view.state().registrations().getOrDefault(service, java.util.Collections.emptySortedMap()).size();
            PolicyRules.check(problems, "settings", settings, endpoints, PolicyRules.Origin.ADMIN);
            // Two services on one TCP port would make every node NACK every snapshot.
            Map<String, Policy> stored = new java.util.HashMap<>();
            view.state().policies().forEach((name, other) -> stored.put(name, other.getSettings()));
            PolicyRules.checkTcpPortFree(problems, "settings", service, settings, stored);
            PolicyRules.checkSlowStart(problems, "slow_start", request.getSlowStart());
            AddressRules.check(problems, "allowed_backend_networks", request.getAllowedBackendNetworksList());
            if (request.hasHealthCheck()) {
                PolicyRules.checkHealthCheck(problems, "health_check", request.getHealthCheck());
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
            requireZooKeeper();
            ServicePolicy policy = ServicePolicy.newBuilder().setService(service).setAlgorithm(algorithm)
                    .setSettings(settings.toBuilder().clearRateLimit().mergeFrom(onlyClusterRate(settings)))
                    .setSlowStart(request.getSlowStart())
                    .addAllAllowedBackendNetworks(request.getAllowedBackendNetworksList()).build();
            if (request.hasHealthCheck()) {
                policy = policy.toBuilder().setHealthCheck(request.getHealthCheck()).build();
            }
            // No registration needed: operators choose the policy before deploying the service.
            String before = view.state().policy(service).map(AdminService::text).orElse("none");
            int version = config.put(paths.serviceConfig(service), policy, expected(request.hasExpectedVersion(),
                    request.getExpectedVersion()));
            log.info("policy of service {} is now {}", service, text(policy));
            audit("SetServicePolicy", service, before, text(policy));
            return policy.toBuilder().setVersion(version).build();
        });
    }

    /** The node share is the leader's to compute from the live nodes; only the operator's fields are stored. */
    private static Policy onlyClusterRate(Policy settings) {
        if (!settings.hasRateLimit()) {
            return Policy.getDefaultInstance();
        }
        return Policy.newBuilder().setRateLimit(RateLimit.newBuilder()
                .setClusterRequestsPerSecond(settings.getRateLimit().getClusterRequestsPerSecond())
                .setBurst(settings.getRateLimit().getBurst())).build();
    }

    @Override
    public void getServicePolicy(GetServicePolicyRequest request, StreamObserver<ServicePolicy> responses) {
        answer(responses, () -> {
            String service = Checks.checkName("service", request.getService());
            requireZooKeeper();
            int version = config.version(paths.serviceConfig(service));
            return view.state().policy(service).orElseGet(() -> ServicePolicy.newBuilder().setService(service)
                    .setAlgorithm(LbAlgorithm.ROUND_ROBIN)
                    .setSettings(Policy.newBuilder().setAlgorithm(LbAlgorithm.ROUND_ROBIN)).build())
                    .toBuilder().setVersion(version).build();
        });
    }

    @Override
    public void setRoutes(SetRoutesRequest request, StreamObserver<SetRoutesResponse> responses) {
        answer(responses, () -> {
            List<String> problems = RouteRules.problems(request.getRoutesList());
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
            requireZooKeeper();
            String before = text(SetRoutesRequest.newBuilder().addAllRoutes(view.state().routes()));
            SetRoutesRequest stored = request.toBuilder().clearExpectedVersion().build();
            int version = config.put(paths.routes(), stored, expected(request.hasExpectedVersion(), request.getExpectedVersion()));
            log.info("operator routes are now {}", text(stored));
            audit("SetRoutes", "routes", before, text(stored));
            return SetRoutesResponse.newBuilder().addAllRoutes(request.getRoutesList()).setVersion(version).build();
        });
    }

    @Override
    public void getRoutes(GetRoutesRequest request, StreamObserver<SetRoutesResponse> responses) {
        answer(responses, () -> {
            requireZooKeeper();
            return SetRoutesResponse.newBuilder().addAllRoutes(view.state().routes())
                    .setVersion(config.version(paths.routes())).build();
        });
    }

    @Override
    public void explainWeight(ExplainWeightRequest request, StreamObserver<WeightExplanation> responses) {
        answer(responses, () -> {
            String service = Checks.checkName("service", request.getService());
            String id = Checks.checkId("id", request.getId());
            Map<String, WeightResult> byId = view.weights().get(service);
            WeightResult result = byId == null ? null : byId.get(id);
            if (result == null) {
                throw AdminException.notFound("backend " + service + "/" + id + " is not registered (no computed weight)");
            }
            WeightExplanation.Builder explanation = WeightExplanation.newBuilder().setService(service).setId(id)
                    .setEffectiveWeight(result.effective()).setComputedAtUnixMillis(result.computedAtMillis());
            result.terms().forEach(term -> explanation.addTerms(BackendViews.term(term)));
            return explanation.build();
        });
    }

    @Override
    public void listServices(ListServicesRequest request, StreamObserver<ListServicesResponse> responses) {
        answer(responses, () -> {
            ClusterState current = view.state();
            java.util.SortedSet<String> names = new java.util.TreeSet<>(current.knownServices());
            names.addAll(current.policies().keySet());
            current.routes().forEach(route -> {
                if (route.getSplitCount() == 0) {
                    names.add(route.getService());
                }
                route.getSplitList().forEach(split -> names.add(split.getService()));
            });
            Map<String, ? extends Map<String, WeightResult>> weights = view.weights();
            ListServicesResponse.Builder list = ListServicesResponse.newBuilder();
            for (String name : names) {
                List<Backend> backends = backends(current, view.healthOverlay(), name, weights);
                long routes = current.routes().stream().filter(r -> r.getService().equals(name)
                        || r.getSplitList().stream().anyMatch(s -> s.getService().equals(name))).count();
                list.addServices(ServiceSummary.newBuilder().setName(name)
                        .setAlgorithm(current.policy(name).map(ServicePolicy::getAlgorithm).orElse(LbAlgorithm.ROUND_ROBIN))
                        .setBackends((int) backends.stream().filter(Backend::getRegistered).count())
                        .setActive((int) backends.stream().filter(b -> b.getRegistered() && b.getEffectiveWeight() > 0
                                && b.getState() == io.ballast.proto.v1.EndpointState.ACTIVE).count())
                        .setRoutes((int) routes)
                        .setHasPolicy(current.policy(name).isPresent()));
            }
            return list.build();
        });
    }

    @Override
    public void deleteServicePolicy(DeleteServicePolicyRequest request, StreamObserver<ServicePolicy> responses) {
        answer(responses, () -> {
            String service = Checks.checkName("service", request.getService());
            requireZooKeeper();
            String before = view.state().policy(service).map(AdminService::text).orElse("none");
            boolean deleted = config.delete(paths.serviceConfig(service), expected(request.hasExpectedVersion(),
                    request.getExpectedVersion()));
            if (deleted) {
                log.info("policy of service {} removed", service);
                audit("DeleteServicePolicy", service, before, "none");
            }
            return ServicePolicy.newBuilder().setService(service).setAlgorithm(LbAlgorithm.ROUND_ROBIN)
                    .setSettings(Policy.newBuilder().setAlgorithm(LbAlgorithm.ROUND_ROBIN)).setVersion(ConfigStore.ABSENT).build();
        });
    }

    /** The backends of {@code service} (all when null) with failure handling applied, SUSPECT ones included, sorted by service then id. */
    private List<Backend> backends(ClusterState current, io.ballast.controlplane.health.HealthOverlay health, String service,
                                   Map<String, ? extends Map<String, WeightResult>> weights) {
        List<Backend> backends = new ArrayList<>(BackendViews.list(current, service, weights).stream().map(this::withHealth).toList());
        health.suspects().forEach((name, suspects) -> {
            if (service == null || service.equals(name)) {
                suspects.forEach((id, suspect) -> {
                    if (current.registration(name, id).isEmpty()) {
                        backends.removeIf(b -> b.getService().equals(name) && b.getId().equals(id)); // an override-only entry
                        backends.add(BackendViews.suspect(name, suspect, current.override(name, id)));
                    }
                });
            }
        });
        backends.sort(java.util.Comparator.comparing(Backend::getService).thenComparing(Backend::getId));
        return backends;
    }

    /** An operator's ejection reason wins; else failure handling's (outlier quorum, flap damping) shows as an ejection. */
    private Backend withHealth(Backend backend) {
        if (!backend.getEjected().isEmpty() || !backend.getRegistered()) {
            return backend;
        }
        return view.healthReason(backend.getService(), backend.getId()).map(reason -> {
            Backend.Builder b = backend.toBuilder().setEjected(reason).setEffectiveWeight(0);
            if (backend.getState() == io.ballast.proto.v1.EndpointState.ACTIVE) {
                b.setState(io.ballast.proto.v1.EndpointState.EJECTED);
            }
            return b.build();
        }).orElse(backend);
    }

    @Override
    public void getBackend(GetBackendRequest request, StreamObserver<Backend> responses) {
        answer(responses, () -> {
            String service = Checks.checkName("service", request.getService());
            String id = Checks.checkId("id", request.getId());
            ClusterState current = view.state();
            io.ballast.controlplane.health.Suspect suspect = view.healthOverlay().suspects(service).get(id);
            if (suspect != null && current.registration(service, id).isEmpty()) {
                return BackendViews.suspect(service, suspect, current.override(service, id));
            }
            if (!current.knownIds(service).contains(id)) {
                throw AdminException.notFound("backend " + service + "/" + id + " is not registered and has no override");
            }
            Optional<WeightResult> computed = Optional.ofNullable(view.weights().get(service)).map(byId -> byId.get(id));
            Backend backend = withHealth(BackendViews.backend(current, service, id, computed));
            if (backend.getDrained()) {
                requireZooKeeper();
                Optional<DrainStatus> status = drains.read(service, id);
                if (status.isPresent()) {
                    backend = backend.toBuilder().setDrain(status.get()).build();
                }
            }
            return backend;
        });
    }

    @Override
    public void watchEvents(WatchEventsRequest request, StreamObserver<Event> responses) {
        view.events().watch((io.grpc.stub.ServerCallStreamObserver<Event>) responses, request.getIncludeHistory());
    }

    @Override
    public void listEvents(ListEventsRequest request, StreamObserver<ListEventsResponse> responses) {
        answer(responses, () -> {
            int limit = limit(request.getLimit(), EventLog.CAPACITY);
            return ListEventsResponse.newBuilder()
                    .addAllEvents(view.onStateThread(() -> view.events().recent(limit), List.of())).build();
        });
    }

    @Override
    public void listAudit(ListAuditRequest request, StreamObserver<ListAuditResponse> responses) {
        answer(responses, () -> {
            int limit = limit(request.getLimit(), 1_000);
            requireZooKeeper();
            return ListAuditResponse.newBuilder().addAllEntries(audit.newest(limit)).build();
        });
    }

    /** 0 means 100; else 1..max. */
    private static int limit(int requested, int max) {
        long value = Integer.toUnsignedLong(requested);
        if (value == 0) {
            return 100;
        }
        return Checks.checkRange("limit", value, 1, max);
    }

    private static java.util.OptionalInt expected(boolean present, int version) {
        if (!present) {
            return java.util.OptionalInt.empty();
        }
        Checks.check(version >= ConfigStore.ABSENT, "expected_version", version, "-1 (none stored yet) or a version >= 0");
        return java.util.OptionalInt.of(version);
    }

    /** Writes who did what to the audit log; after the change is persisted, before the call is answered. */
    private void audit(String method, String target, String before, String after) {
        AuditEntry.Builder entry = AuditEntry.newBuilder().setAtUnixMillis(System.currentTimeMillis()).setMethod(method)
                .setTarget(target).setBefore(before).setAfter(after).setReplica(replicaId);
        Caller.current().describe(entry);
        audit.append(entry.build());
    }

    private static String text(com.google.protobuf.MessageOrBuilder message) {
        return com.google.protobuf.TextFormat.shortDebugString(message);
    }

    private static String describe(EndpointOverride override) {
        return io.ballast.controlplane.events.ClusterEvents.describe(override);
    }

    private Backend mutate(String method, String service, String id, UnaryOperator<EndpointOverride> change) {
        Checks.checkName("service", service);
        Checks.checkId("id", id);
        requireZooKeeper();
        Optional<BackendRegistration> registration = registration(service, id);
        EndpointOverride[] before = new EndpointOverride[1];
        EndpointOverride written = overrides.update(service, id, current -> {
            if (registration.isEmpty() && current.isEmpty()) {
                throw AdminException.notFound("backend " + service + "/" + id + " is not registered and has no override");
            }
            before[0] = current;
            return change.apply(current);
        });
        log.info("override of {}/{} is now {}", service, id, written.isEmpty() ? "none" : written);
        audit(method, service + "/" + id, describe(before[0]), describe(written));
        return BackendViews.backend(service, id, registration, written);
    }

    /** The backend's valid registration, read from ZooKeeper now (not from the cache, which may lag). */
    private Optional<BackendRegistration> registration(String service, String id) {
        byte[] data = ZkCalls.call("reading " + paths.backend(service, id), () -> {
            try {
                return client.getData().forPath(paths.backend(service, id));
            } catch (KeeperException.NoNodeException e) {
                return null;
            }
        });
        if (data == null) {
            return Optional.empty();
        }
        ZkEntries.Parsed<BackendRegistration> parsed = ZkEntries.registration(new ZkEntries.Key(service, id), data);
        return Optional.ofNullable(parsed.value());
    }

    private void requireZooKeeper() {
        if (!client.getZookeeperClient().isConnected()) {
            throw new AdminException(Status.UNAVAILABLE.withDescription(
                    "control-plane replica " + replicaId + " cannot reach ZooKeeper right now"));
        }
    }

    private static <T> void answer(StreamObserver<T> responses, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (IllegalArgumentException e) {
            responses.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (AdminException e) {
            responses.onError(e.status().asRuntimeException());
            return;
        } catch (ZkCallException e) {
            Status status = e.isConnectivity() ? Status.UNAVAILABLE : Status.INTERNAL;
            log.warn("admin call failed: {}", e.getMessage());
            responses.onError(status.withDescription("ZooKeeper: " + e.getMessage()).asRuntimeException());
            return;
        }
        responses.onNext(result);
        responses.onCompleted();
    }
}
