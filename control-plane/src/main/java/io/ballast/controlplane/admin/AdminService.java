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
 * state thread except through the {@code state} and {@code nodeErrors} suppliers.
 *
 * <p>Errors: INVALID_ARGUMENT names field, value and expectation; NOT_FOUND names the backend
 * or service; UNAVAILABLE when this replica cannot reach ZooKeeper.
 */
public final class AdminService extends AdminGrpc.AdminImplBase {

    private static final Logger log = LoggerFactory.getLogger(AdminService.class);

    private final CuratorFramework client;
    private final ZkPaths paths;
    private final String replicaId;
    private final Supplier<ClusterState> state;
    private final Supplier<Map<String, String>> nodeErrors;
    private final Supplier<Map<String, ? extends Map<String, WeightResult>>> weights;
    private final OverrideStore overrides;
    private final ConfigStore config;
    private final StatusReader statusReader;

    public AdminService(CuratorFramework client, ZkPaths paths, String replicaId, Supplier<ClusterState> state,
            Supplier<Map<String, String>> nodeErrors, Supplier<Map<String, ? extends Map<String, WeightResult>>> weights) {
        this.weights = weights;

        this.client = client;
        this.paths = paths;
        this.replicaId = replicaId;
        this.state = state;
        this.nodeErrors = nodeErrors;
        this.overrides = new OverrideStore(client, paths);
        this.config = new ConfigStore(client);
        this.statusReader = new StatusReader(client, paths);
    }

    @Override
    public void getStatus(GetStatusRequest request, StreamObserver<ClusterStatus> responses) {
        answer(responses, () -> {
            requireZooKeeper();
            return statusReader.read(replicaId, nodeErrors.get());
        });
    }

    @Override
    public void listBackends(ListBackendsRequest request, StreamObserver<ListBackendsResponse> responses) {
        answer(responses, () -> {
            String service = request.getService().isEmpty() ? null : Checks.checkName("service", request.getService());
            ClusterState current = state.get();
            if (service != null && !current.knownServices().contains(service)) {
                throw AdminException.notFound("service " + service + " has no registered backend and no override");
            }
            return ListBackendsResponse.newBuilder().addAllBackends(BackendViews.list(current, service, weights.get())).build();
        });
    }

    @Override
    public void setWeight(SetWeightRequest request, StreamObserver<Backend> responses) {
        answer(responses, () -> {
            if (!request.getClear()) {
                Checks.checkWeight("weight", Integer.toUnsignedLong(request.getWeight()));
            }
            Integer weight = request.getClear() ? null : request.getWeight();
            return mutate(request.getService(), request.getId(), current -> new EndpointOverride(weight, current.drained()));
        });
    }

    @Override
    public void drain(DrainRequest request, StreamObserver<Backend> responses) {
        answer(responses, () -> mutate(request.getService(), request.getId(),
                current -> new EndpointOverride(current.weight(), true)));
    }

    @Override
    public void undrain(DrainRequest request, StreamObserver<Backend> responses) {
        answer(responses, () -> mutate(request.getService(), request.getId(),
                current -> new EndpointOverride(current.weight(), false)));
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
            int endpoints = state.get().registrations().getOrDefault(service, java.util.Collections.emptySortedMap()).size();
            PolicyRules.check(problems, "settings", settings, endpoints, PolicyRules.Origin.ADMIN);
            PolicyRules.checkSlowStart(problems, "slow_start", request.getSlowStart());
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
            requireZooKeeper();
            ServicePolicy policy = ServicePolicy.newBuilder().setService(service).setAlgorithm(algorithm)
                    .setSettings(settings.toBuilder().clearRateLimit().mergeFrom(onlyClusterRate(settings)))
                    .setSlowStart(request.getSlowStart()).build();
            // No registration needed: operators choose the policy before deploying the service.
            config.put(paths.serviceConfig(service), policy);
            log.info("policy of service {} is now {}", service, com.google.protobuf.TextFormat.shortDebugString(policy));
            return policy;
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
            return state.get().policy(service).orElseGet(() -> ServicePolicy.newBuilder().setService(service)
                    .setAlgorithm(LbAlgorithm.ROUND_ROBIN)
                    .setSettings(Policy.newBuilder().setAlgorithm(LbAlgorithm.ROUND_ROBIN)).build());
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
            config.put(paths.routes(), request);
            log.info("operator routes are now {}", com.google.protobuf.TextFormat.shortDebugString(request));
            return SetRoutesResponse.newBuilder().addAllRoutes(request.getRoutesList()).build();
        });
    }

    @Override
    public void getRoutes(GetRoutesRequest request, StreamObserver<SetRoutesResponse> responses) {
        answer(responses, () -> SetRoutesResponse.newBuilder().addAllRoutes(state.get().routes()).build());
    }

    @Override
    public void explainWeight(ExplainWeightRequest request, StreamObserver<WeightExplanation> responses) {
        answer(responses, () -> {
            String service = Checks.checkName("service", request.getService());
            String id = Checks.checkId("id", request.getId());
            Map<String, WeightResult> byId = weights.get().get(service);
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

    private Backend mutate(String service, String id, UnaryOperator<EndpointOverride> change) {
        Checks.checkName("service", service);
        Checks.checkId("id", id);
        requireZooKeeper();
        Optional<BackendRegistration> registration = registration(service, id);
        EndpointOverride written = overrides.update(service, id, current -> {
            if (registration.isEmpty() && current.isEmpty()) {
                throw AdminException.notFound("backend " + service + "/" + id + " is not registered and has no override");
            }
            return change.apply(current);
        });
        log.info("override of {}/{} is now {}", service, id, written.isEmpty() ? "none" : written);
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
