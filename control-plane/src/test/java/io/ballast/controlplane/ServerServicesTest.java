package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.model.LeaderInfo;
import io.ballast.proto.v1.AdminGrpc;
import io.ballast.proto.v1.ControlPlaneGrpc;
import io.ballast.testing.ZooKeeperExtension;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The standard services next to ours: health (ControlPlane SERVING only on the leader) and reflection. */
class ServerServicesTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    private Replicas replicas;

    @AfterEach
    void closeAll() {
        if (replicas != null) {
            replicas.close();
        }
    }

    private ServingStatus health(ControlPlane replica, String service) {
        return HealthGrpc.newBlockingStub(replicas.channel(replica)).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }

    @Test
    void healthReflectsLeadership() {
        replicas = new Replicas(zk);
        replicas.start("cp-1");
        replicas.start("cp-2");
        LeaderInfo leader = replicas.awaitLeader(0);
        ControlPlane leading = replicas.replica(leader.id());
        ControlPlane following = replicas.replica(leader.id().equals("cp-1") ? "cp-2" : "cp-1");

        await().atMost(Replicas.WAIT).until(() -> health(leading, ControlPlaneGrpc.SERVICE_NAME) == ServingStatus.SERVING);
        assertThat(health(following, ControlPlaneGrpc.SERVICE_NAME)).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(health(following, "")).isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void reflectionListsOurServices() throws Exception {
        replicas = new Replicas(zk);
        ControlPlane replica = replicas.start("cp-1");
        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();

        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(replicas.channel(replica))
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse value) {
                        answer.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        List<String> services = answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
                .map(ServiceResponse::getName).toList();
        requests.onCompleted();

        assertThat(services).contains(ControlPlaneGrpc.SERVICE_NAME, AdminGrpc.SERVICE_NAME, "grpc.health.v1.Health");
    }
}
