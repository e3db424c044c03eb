package io.ballast.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.config.ClientTls;
import io.ballast.controlplane.ControlPlane;
import io.ballast.controlplane.ControlPlaneConfig;
import io.ballast.proto.v1.AdminGrpc;
import io.ballast.testing.TestCertificates;
import io.ballast.testing.ZooKeeperExtension;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every admin RPC × every kind of caller, over real TLS sockets to a real control-plane replica
 * with {@code --admin-auth} and optional client certificates. A cell is "authorised" when the call
 * got past authentication and authorisation (OK, NOT_FOUND, INVALID_ARGUMENT... — requests are
 * empty, so the service often refuses them on their merits); the denials are UNAUTHENTICATED and
 * PERMISSION_DENIED. The matrix is printed to stdout as it ran. RPCs added to admin.proto join the
 * matrix by themselves, their expected role following the naming convention of {@link AdminRoles}.
 */
class AdminAuthorizationMatrixTest {

    @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
    @RegisterExtension static final TestCertificates certs = new TestCertificates();
    @TempDir static Path dir;

    private static final String READER_TOKEN = "reader-token-6f1d2c9a";
    private static final String OPERATOR_TOKEN = "operator-token-8b3e4f0d";
    private static final String ADMIN_TOKEN = "admin-token-2a7c5e91";

    /** What the test expects, written independently of {@link AdminRoles}'s table. */
    private static final Map<String, Role> EXPECTED_ROLES = Map.of(
            "GetStatus", Role.READER, "ListBackends", Role.READER, "GetServicePolicy", Role.READER,
            "GetRoutes", Role.READER, "ExplainWeight", Role.READER,
            "SetWeight", Role.OPERATOR, "Drain", Role.OPERATOR, "Undrain", Role.OPERATOR,
            "SetServicePolicy", Role.ADMIN, "SetRoutes", Role.ADMIN);

    /** A kind of caller: its channel credentials, token, and the role it should act with (null: none). */
    private record Caller(String label, TestCertificates.Pair certificate, String token, Status.Code refusedWith, Role role) {}

    private static ControlPlane replica;
    private static final Map<Caller, ManagedChannel> channels = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        Path auth = dir.resolve("admin-auth.yaml");
        Files.writeString(auth, """
                tokens:
                  - {token: %s, identity: rita, role: reader}
                  - {token: %s, identity: otto, role: operator}
                  - {token: %s, identity: ada, role: admin}
                certificates:
                  - {cn: ops-admin, role: admin}
                """.formatted(READER_TOKEN, OPERATOR_TOKEN, ADMIN_TOKEN));
        replica = ControlPlane.start(ControlPlaneConfig.builder()
                .zkConnect(zk.connectString())
                .cluster(ZooKeeperExtension.uniqueCluster("authz"))
                .id("cp-authz")
                .listen("127.0.0.1:0")
                .sessionTimeout(Duration.ofSeconds(2))
                .tlsCert(certs.server().cert())
                .tlsKey(certs.server().key())
                .tlsClientCa(certs.caCert())
                .tlsClientAuth("optional")
                .adminAuth(auth)
                .build());
        List<Caller> callers = List.of(
                new Caller("no credentials", null, null, Status.Code.UNAUTHENTICATED, null),
                new Caller("bad token", null, "not-a-known-token-42", Status.Code.UNAUTHENTICATED, null),
                new Caller("reader token", null, READER_TOKEN, null, Role.READER),
                new Caller("operator token", null, OPERATOR_TOKEN, null, Role.OPERATOR),
                new Caller("admin token", null, ADMIN_TOKEN, null, Role.ADMIN),
                new Caller("admin cert", certs.client("ops-admin"), null, null, Role.ADMIN),
                new Caller("unlisted cert", certs.client("node-1"), null, Status.Code.PERMISSION_DENIED, null));
        for (Caller caller : callers) {
            ClientTls tls = new ClientTls(Optional.of(certs.caCert()),
                    Optional.ofNullable(caller.certificate()).map(TestCertificates.Pair::cert),
                    Optional.ofNullable(caller.certificate()).map(TestCertificates.Pair::key));
            channels.put(caller, NettyChannelBuilder.forAddress("127.0.0.1", replica.port(), tls.credentials()).build());
        }
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (ManagedChannel channel : channels.values()) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        channels.clear();
        if (replica != null) {
            replica.close();
        }
    }

    private static Role expectedRole(String method) {
        Role listed = EXPECTED_ROLES.get(method);
        if (listed != null) {
            return listed;
        }
        // Newer RPCs: reads by their name; acting on backends (Eject, Restore) is an operator's job.
        if (method.matches("(Get|List|Watch|Explain)([A-Z].*)?")) {
            return Role.READER;
        }
        return method.matches("(Eject|Restore)([A-Z].*)?") ? Role.OPERATOR : Role.ADMIN;
    }

    @Test
    void everyCallerAgainstEveryAdminRpc() throws Exception {
        List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
        AdminGrpc.getServiceDescriptor().getMethods().forEach(methods::add);
        methods.sort(Comparator.comparing(MethodDescriptor::getBareMethodName));
        assertThat(methods).extracting(MethodDescriptor::getBareMethodName).containsAll(EXPECTED_ROLES.keySet());

        List<String> header = new ArrayList<>(List.of("RPC", "REQUIRES"));
        channels.keySet().forEach(caller -> header.add(caller.label()));
        List<List<String>> rows = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (MethodDescriptor<?, ?> method : methods) {
            Role required = expectedRole(method.getBareMethodName());
            assertThat(AdminRoles.required(method.getFullMethodName())).as(method.getFullMethodName()).isEqualTo(required);
            List<String> row = new ArrayList<>(List.of(method.getBareMethodName(), required.label()));
            for (Map.Entry<Caller, ManagedChannel> entry : channels.entrySet()) {
                Caller caller = entry.getKey();
                Status status = probe(entry.getValue(), method, caller.token());
                Status.Code expectedDenial = caller.refusedWith() != null ? caller.refusedWith()
                        : caller.role().includes(required) ? null : Status.Code.PERMISSION_DENIED;
                boolean ok = expectedDenial == null ? authorised(method, status) : status.getCode() == expectedDenial;
                if (ok && expectedDenial == Status.Code.PERMISSION_DENIED && caller.role() != null) {
                    // The refusal names the identity, its role, the method and the role required.
                    ok = status.getDescription().matches(".* \\(role " + caller.role().label() + ", by (token|certificate)\\) "
                            + "may not call " + method.getFullMethodName().replace(".", "\\.")
                            + ": it requires role " + required.label());
                }
                if (!ok) {
                    wrong.add(method.getBareMethodName() + " as " + caller.label() + ": " + status
                            + " (expected " + (expectedDenial == null ? "authorised" : expectedDenial) + ")");
                }
                boolean open = ok && expectedDenial == null && status.getCode() == Status.Code.DEADLINE_EXCEEDED;
                row.add((open ? "OPEN_STREAM" : status.getCode().name()) + (ok ? "" : " (!)"));
            }
            rows.add(row);
        }
        System.out.println("Admin authorisation matrix, over TLS (client certificates optional), as it ran"
                + " (OPEN_STREAM: the stream was let in and still open at the probe's deadline):");
        System.out.println(table(header, rows));
        assertThat(wrong).as("cells that differ from the expected matrix").isEmpty();
    }

    /** Past the interceptor: the service answered (often refusing an empty request on its merits). */
    private static boolean authorised(MethodDescriptor<?, ?> method, Status status) {
        Set<Status.Code> denials = Set.of(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED, Status.Code.UNAVAILABLE);
        // A stream that stays open until the probe's deadline was let in.
        boolean openStream = !method.getType().serverSendsOneMessage() && status.getCode() == Status.Code.DEADLINE_EXCEEDED;
        return openStream || (!denials.contains(status.getCode()) && status.getCode() != Status.Code.DEADLINE_EXCEEDED);
    }

    /**
     * Calls {@code method} once with its empty request: the status it ends with, or OK as soon as
     * a first response arrives (a stream is then cancelled).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Status probe(ManagedChannel channel, MethodDescriptor<?, ?> method, String token) throws Exception {
        Object request = ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller()).getMessagePrototype();
        long deadlineMillis = method.getType().serverSendsOneMessage() ? 10_000 : 1_500;
        ClientCall<Object, Object> call = channel.newCall((MethodDescriptor) method,
                CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS));
        CompletableFuture<Status> outcome = new CompletableFuture<>();
        Metadata headers = new Metadata();
        if (token != null) {
            headers.put(AdminAuthInterceptor.AUTHORIZATION, "Bearer " + token);
        }
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(Object message) {
                outcome.complete(Status.OK);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                outcome.complete(status);
            }
        }, headers);
        call.request(1);
        call.sendMessage(request);
        call.halfClose();
        Status status = outcome.get(deadlineMillis + 5_000, TimeUnit.MILLISECONDS);
        call.cancel("probe done", null);
        return status;
    }

    private static String table(List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(String.format("%-" + widths[i] + "s", row.get(i))).append(i < row.size() - 1 ? "  " : "");
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
