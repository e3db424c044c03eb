package io.ballast.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.controlplane.security.AdminAuthInterceptor.Decision;
import io.ballast.proto.v1.AdminGrpc;
import io.ballast.proto.v1.ClusterStatus;
import io.ballast.proto.v1.GetStatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The policy alone; {@code AdminAuthorizationMatrixTest} runs it over real TLS. */
class AdminAuthInterceptorTest {

    private static final String TOKEN = "reader-token-0123456789";
    private static final Optional<AdminAccess> ACCESS = Optional.of(new AdminAccess(
            Map.of(), Map.of("ops-admin", Role.ADMIN, "watcher", Role.READER)));
    private static final String STATUS = "ballast.v1.Admin/GetStatus";
    private static final String SET_WEIGHT = "ballast.v1.Admin/SetWeight";

    private static Optional<AdminAccess> withToken() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("auth", ".yaml");
        try {
            java.nio.file.Files.writeString(file, "tokens: [{token: " + TOKEN + ", identity: ann, role: reader}]\n"
                    + "certificates: [{cn: ops-admin, role: admin}]\n");
            return Optional.of(AdminAccess.load(file));
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    @Test
    void withoutAnAuthFileEveryCallerIsTheAnonymousAdmin() {
        Decision decision = AdminAuthInterceptor.decide(Optional.empty(), "ballast.v1.Admin/SetRoutes", null, null);
        assertThat(decision.identity()).isEqualTo(AdminIdentity.ANONYMOUS);
        assertThat(AdminIdentity.current()).isEqualTo(AdminIdentity.ANONYMOUS);
        assertThat(AdminIdentity.ANONYMOUS.role()).isEqualTo(Role.ADMIN);
    }

    @Test
    void aTokenWinsOverTheCertificate() throws Exception {
        Decision decision = AdminAuthInterceptor.decide(withToken(), SET_WEIGHT, "Bearer " + TOKEN, "ops-admin");
        assertThat(decision.allowed()).isFalse();
        assertThat(decision.refusal().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(decision.refusal().getDescription())
                .isEqualTo("ann (role reader, by token) may not call ballast.v1.Admin/SetWeight: it requires role operator");
        assertThat(AdminAuthInterceptor.decide(withToken(), STATUS, "bearer  " + TOKEN + " ", null).identity())
                .isEqualTo(new AdminIdentity("ann", Role.READER, AdminIdentity.Method.TOKEN));
    }

    @Test
    void serviceCodeSeesTheCallersIdentity() throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(new AdminGrpc.AdminImplBase() {
                    @Override
                    public void getStatus(GetStatusRequest request, StreamObserver<ClusterStatus> responses) {
                        responses.onNext(ClusterStatus.newBuilder().setAnsweredBy(AdminIdentity.current().describe()).build());
                        responses.onCompleted();
                    }
                }, new AdminAuthInterceptor(withToken()))).build().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        try {
            Metadata headers = new Metadata();
            headers.put(AdminAuthInterceptor.AUTHORIZATION, "Bearer " + TOKEN);
            ClusterStatus status = AdminGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .getStatus(GetStatusRequest.getDefaultInstance());
            assertThat(status.getAnsweredBy()).isEqualTo("ann (role reader, by token)");
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }

    @Test
    void refusalsSayWhy() {
        assertThat(AdminAuthInterceptor.decide(ACCESS, STATUS, null, null).refusal())
                .extracting(Status::getCode, Status::getDescription)
                .containsExactly(Status.Code.UNAUTHENTICATED, "no client certificate or bearer token");
        assertThat(AdminAuthInterceptor.decide(ACCESS, STATUS, "Basic YWxhZGRpbjpvcGVuc2VzYW1l", null).refusal())
                .extracting(Status::getCode, Status::getDescription)
                .containsExactly(Status.Code.UNAUTHENTICATED, "authorization header: expected \"Bearer <token>\"");
        assertThat(AdminAuthInterceptor.decide(ACCESS, STATUS, "Bearer ", null).refusal().getCode())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(AdminAuthInterceptor.decide(ACCESS, STATUS, "Bearer nope-nope-nope-nope", "ops-admin").refusal())
                .extracting(Status::getCode, Status::getDescription)
                .containsExactly(Status.Code.UNAUTHENTICATED, "unknown bearer token");
        assertThat(AdminAuthInterceptor.decide(ACCESS, STATUS, null, "node-1").refusal())
                .extracting(Status::getCode, Status::getDescription)
                .containsExactly(Status.Code.PERMISSION_DENIED, "client certificate CN=node-1 has no admin role (it is not "
                        + "listed in the auth file); ballast.v1.Admin/GetStatus requires role reader");
        assertThat(AdminAuthInterceptor.decide(ACCESS, "ballast.v1.Admin/SetRoutes", null, "watcher").refusal().getDescription())
                .isEqualTo("watcher (role reader, by certificate) may not call ballast.v1.Admin/SetRoutes: it requires role admin");
        assertThat(AdminAuthInterceptor.decide(ACCESS, "ballast.v1.Admin/SetRoutes", null, "ops-admin").identity())
                .isEqualTo(new AdminIdentity("ops-admin", Role.ADMIN, AdminIdentity.Method.CERTIFICATE));
    }
}
