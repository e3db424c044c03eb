package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.config.ClientTls;
import io.ballast.proto.v1.Endpoint;
import io.ballast.proto.v1.Snapshot;
import io.ballast.testing.TestCertificates;
import io.ballast.testing.ZooKeeperExtension;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The nodes' control stream over real TLS sockets: with mutual TLS only a client whose certificate
 * the cluster's CA signed subscribes; no certificate, a certificate of another CA, plaintext, or a
 * client that does not trust the server all fail the handshake and never see a snapshot.
 */
class TlsStreamIntegrationTest {

    @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
    @RegisterExtension static final TestCertificates certs = new TestCertificates();

    private Replicas replicas;

    @BeforeEach
    void setUp() {
        replicas = new Replicas(zk);
    }

    @AfterEach
    void closeAll() {
        replicas.close();
    }

    private ControlPlane startLeader(String clientAuth) {
        ControlPlane replica = ControlPlane.start(ControlPlaneConfig.builder()
                .zkConnect(zk.connectString())
                .cluster(replicas.cluster)
                .id("cp-tls")
                .listen("127.0.0.1:0")
                .sessionTimeout(Replicas.SESSION)
                .debounce(Duration.ofMillis(10))
                .tlsCert(certs.server().cert())
                .tlsKey(certs.server().key())
                .tlsClientCa(certs.caCert())
                .tlsClientAuth(clientAuth)
                .build());
        replicas.add(replica);
        replicas.awaitLeader(0);
        return replica;
    }

    private TestNode subscribe(ControlPlane replica, ChannelCredentials credentials, String nodeId) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", replica.port(), credentials).build();
        TestNode node = TestNode.subscribe(channel, nodeId);
        replicas.add(() -> {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        });
        replicas.add(node);
        return node;
    }

    private static ChannelCredentials tls(Path trust, TestCertificates.Pair client) {
        return new ClientTls(Optional.of(trust), Optional.ofNullable(client).map(TestCertificates.Pair::cert),
                Optional.ofNullable(client).map(TestCertificates.Pair::key)).credentials();
    }

    /** Trusts the test CA and offers {@code client} whatever CA the server asks for. */
    private static ChannelCredentials insistent(TestCertificates.Pair client) throws Exception {
        return TlsChannelCredentials.newBuilder().trustManager(certs.caCert().toFile())
                .keyManager(TestCertificates.alwaysOffering(client)).build();
    }

    private static Status refusal(TestNode node) {
        Status ended = await().atMost(Replicas.WAIT).until(() -> node.ended().orElse(null), status -> status != null);
        assertThat(node.snapshots()).isEmpty();
        return ended;
    }

    @Test
    void aNodeWithACertificateSignedByTheCaSubscribesAndGetsSnapshots() throws Exception {
        ControlPlane leader = startLeader(null);
        TestNode node = subscribe(leader, tls(certs.caCert(), certs.client("node-1")), "node-1");

        Snapshot first = await().atMost(Replicas.WAIT).until(() -> node.latest().orElse(null), s -> s != null);
        assertThat(first.getEpoch()).isEqualTo(1);
        replicas.register(Replicas.registration("web", "web-1", 8081, 10));
        Snapshot next = await().atMost(Replicas.WAIT).until(() -> node.latest().orElseThrow(),
                s -> s.getServicesCount() == 1);
        assertThat(next.getServices(0).getEndpointsList()).extracting(Endpoint::getId).containsExactly("web-1");
        assertThat(node.ended()).isEmpty();
    }

    @Test
    void withoutACertificateOfTheCaTheHandshakeFails() throws Exception {
        ControlPlane leader = startLeader(null);

        TestNode noCertificate = subscribe(leader, tls(certs.caCert(), null), "anonymous");
        TestNode otherCa = subscribe(leader, insistent(certs.foreignClient("node-1")), "impostor");
        TestNode plaintext = subscribe(leader, InsecureChannelCredentials.create(), "plaintext");
        TestNode distrustful = subscribe(leader, tls(certs.otherCaCert(), certs.client("node-2")), "distrustful");

        assertThat(refusal(noCertificate).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(refusal(otherCa).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(refusal(plaintext).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        Status untrusted = refusal(distrustful);
        assertThat(untrusted.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(String.valueOf(untrusted.getCause())).contains("SSLHandshakeException");
    }

    @Test
    void withOptionalClientCertificatesTheStreamStillRequiresOne() throws Exception {
        // optional lets ballastctl in with a bearer token alone; nodes still need a certificate.
        ControlPlane leader = startLeader("optional");

        TestNode noCertificate = subscribe(leader, tls(certs.caCert(), null), "anonymous");
        Status refused = refusal(noCertificate);
        assertThat(refused.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(refused.getDescription()).isEqualTo(
                "ballast.v1.ControlPlane/Subscribe requires a client certificate signed by the control plane's client CA");
        // The server asks for a certificate of its client CA: an ordinary client holding another CA's sends none...
        assertThat(refusal(subscribe(leader, tls(certs.caCert(), certs.foreignClient("node-1")), "impostor")).getCode())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        // ...and one that sends it anyway fails the handshake: optional means "verified when given".
        assertThat(refusal(subscribe(leader, insistent(certs.foreignClient("node-1")), "insistent")).getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);

        TestNode node = subscribe(leader, tls(certs.caCert(), certs.client("node-1")), "node-1");
        await().atMost(Replicas.WAIT).until(() -> node.latest().isPresent());
        // The control for "insistent": offered the same way, a certificate of the CA is accepted.
        TestNode insistentNode = subscribe(leader, insistent(certs.client("node-3")), "node-3");
        await().atMost(Replicas.WAIT).until(() -> insistentNode.latest().isPresent());
    }
}
