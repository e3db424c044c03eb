package io.ballast.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.config.ClientTls;
import io.ballast.common.json.Json;
import io.ballast.common.model.BackendRegistration;
import io.ballast.common.model.LoadReport;
import io.ballast.common.zk.ZkPaths;
import io.ballast.controlplane.ControlPlane;
import io.ballast.controlplane.ControlPlaneConfig;
import io.ballast.proto.v1.ClusterStatus;
import io.ballast.proto.v1.GetStatusRequest;
import io.ballast.testing.FreePorts;
import io.ballast.testing.TestCertificates;
import io.ballast.testing.ZooKeeperExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * ballastctl against two control-plane replicas serving TLS (client certificates optional) with
 * admin authentication, discovered through ZooKeeper: {@code --tls-ca}, {@code --tls-cert/--tls-key},
 * {@code --token}, the refusals and their hints, and failover.
 */
class BallastCtlTlsTest {

    @RegisterExtension static final ZooKeeperExtension zk = new ZooKeeperExtension();
    @RegisterExtension static final TestCertificates certs = new TestCertificates();
    @TempDir Path dir;

    private static final String READER = "reader-token-1f2e3d4c5b";
    private static final String OPERATOR = "operator-token-9a8b7c6d";

    private final List<ControlPlane> replicas = new ArrayList<>();
    private String cluster;

    record Run(int exitCode, String out, String err) {}

    @BeforeEach
    void startCluster() throws Exception {
        cluster = ZooKeeperExtension.uniqueCluster("ctl-tls");
        Path auth = Files.writeString(dir.resolve("auth.yaml"), """
                tokens:
                  - {token: %s, identity: rita, role: reader}
                  - {token: %s, identity: otto, role: operator}
                certificates:
                  - {cn: ops-admin, role: admin}
                """.formatted(READER, OPERATOR));
        for (String id : List.of("cp-a", "cp-b")) {
            replicas.add(ControlPlane.start(ControlPlaneConfig.builder().zkConnect(zk.connectString()).cluster(cluster)
                    .id(id).listen("127.0.0.1:0").sessionTimeout(Duration.ofSeconds(2))
                    .tlsCert(certs.server().cert()).tlsKey(certs.server().key())
                    .tlsClientCa(certs.caCert()).tlsClientAuth("optional")
                    .adminAuth(auth).build()));
        }
        // A long session: this registration must outlive a loaded machine's pauses (the test is about TLS, not sessions).
        CuratorFramework agent = zk.newClient(Duration.ofSeconds(20));
        agent.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.forCluster(cluster).backend("web", "web-1"),
                Json.write(new BackendRegistration("web", "web-1", "127.0.0.1", 8001, "zone-a", 100, Map.of(), "test", 0,
                        new LoadReport(-1, -1, 0))));
        await().atMost(Duration.ofSeconds(15)).until(() -> ctl("backends", "--tls-ca", ca(), "--token", READER).out().contains("web-1"));
    }

    @AfterEach
    void stopCluster() {
        replicas.forEach(ControlPlane::close);
    }

    private static String ca() {
        return certs.caCert().toString();
    }

    private Run ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = BallastCtl.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--zk", zk.connectString(), "--cluster", cluster));
        int code = cl.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void aTokenOverTlsActsWithItsRole() {
        Run read = ctl("backends", "--tls-ca", ca(), "--token", READER);
        assertThat(read.exitCode()).as(read.err()).isZero();
        assertThat(read.out()).contains("web-1");

        Run denied = ctl("drain", "web", "web-1", "--tls-ca", ca(), "--token", READER);
        assertThat(denied.exitCode()).isEqualTo(BallastCtl.EXIT_REFUSED);
        assertThat(denied.err()).contains("PERMISSION_DENIED: rita (role reader, by token) may not call "
                + "ballast.v1.Admin/Drain: it requires role operator");

        Run drained = ctl("drain", "web", "web-1", "--tls-ca", ca(), "--token", OPERATOR);
        assertThat(drained.exitCode()).as(drained.err()).isZero();
        assertThat(drained.out()).contains("DRAINING");

        Run policy = ctl("set-policy", "web", "random", "--tls-ca", ca(), "--token", OPERATOR);
        assertThat(policy.exitCode()).isEqualTo(BallastCtl.EXIT_REFUSED);
        assertThat(policy.err()).contains("it requires role admin");
    }

    @Test
    void aClientCertificateIsAnIdentityToo() {
        TestCertificates.Pair admin = certs.client("ops-admin");
        Run set = ctl("set-policy", "web", "random", "--tls-ca", ca(), "--tls-cert", admin.cert().toString(),
                "--tls-key", admin.key().toString());
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out()).containsPattern("web\\s+random");

        TestCertificates.Pair node = certs.client("node-1");
        Run unlisted = ctl("status", "--tls-ca", ca(), "--tls-cert", node.cert().toString(), "--tls-key", node.key().toString());
        assertThat(unlisted.exitCode()).isEqualTo(BallastCtl.EXIT_REFUSED);
        assertThat(unlisted.err()).contains("PERMISSION_DENIED: client certificate CN=node-1 has no admin role");
    }

    @Test
    void refusalsSayWhatToDo() {
        Run anonymous = ctl("status", "--tls-ca", ca());
        assertThat(anonymous.exitCode()).isEqualTo(BallastCtl.EXIT_REFUSED);
        assertThat(anonymous.err()).contains("UNAUTHENTICATED: no client certificate or bearer token",
                "give --token (or set BALLAST_TOKEN), or --tls-cert and --tls-key");

        Run badToken = ctl("status", "--tls-ca", ca(), "--token", "not-a-token-at-all");
        assertThat(badToken.err()).contains("UNAUTHENTICATED: unknown bearer token");

        // Plaintext against TLS replicas: every replica fails, and the hint names --tls-ca.
        Run plaintext = ctl("status", "--token", READER);
        assertThat(plaintext.exitCode()).isEqualTo(BallastCtl.EXIT_UNAVAILABLE);
        assertThat(plaintext.err()).contains("no control-plane replica answered", "if the control plane uses TLS, give --tls-ca");

        // A CA that did not sign the servers' certificates: the handshake's reason is shown.
        Run untrusted = ctl("status", "--tls-ca", certs.otherCaCert().toString(), "--token", READER);
        assertThat(untrusted.exitCode()).isEqualTo(BallastCtl.EXIT_UNAVAILABLE);
        assertThat(untrusted.err()).containsIgnoringCase("certification path");

        Path missing = dir.resolve("nope.pem");
        Run bad = ctl("status", "--tls-ca", missing.toString());
        assertThat(bad.exitCode()).isEqualTo(BallastCtl.EXIT_USAGE);
        assertThat(bad.err()).contains("tls-ca: \"" + missing + "\" (expected: a readable PEM file)");
    }

    @Test
    void failsOverBetweenTlsReplicas() {
        // A dead address listed first (a replica killed a moment ago), then a live TLS replica.
        String dead = "127.0.0.1:" + FreePorts.onLoopback();
        String live = "127.0.0.1:" + replicas.get(1).port();
        ClusterStatus status = AdminClient.call(List.of(dead, live), 5_000,
                new ClientTls(Optional.of(certs.caCert()), Optional.empty(), Optional.empty()).credentials(),
                Optional.of(READER), stub -> stub.getStatus(GetStatusRequest.getDefaultInstance()));
        assertThat(status.getAnsweredBy()).isEqualTo("cp-b");

        replicas.get(0).close();
        Run afterOne = ctl("status", "--tls-ca", ca(), "--token", READER);
        assertThat(afterOne.exitCode()).as(afterOne.err()).isZero();
    }

    @Test
    void theTokenDefaultsToTheEnvironment() throws Exception {
        // The environment of this JVM cannot be changed: run ballastctl in a child JVM with BALLAST_TOKEN set.
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), BallastCtl.class.getName(), "backends",
                "--server", "127.0.0.1:" + replicas.get(0).port(), "--tls-ca", ca())
                .redirectErrorStream(true);
        builder.environment().put("BALLAST_TOKEN", READER);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("web-1");
        assertThat(BallastCtl.commandLine().getSubcommands().get("status").getUsageMessage())
                .contains("--tls-ca", "--tls-cert", "--tls-key", "--token").doesNotContain(READER);
    }
}
