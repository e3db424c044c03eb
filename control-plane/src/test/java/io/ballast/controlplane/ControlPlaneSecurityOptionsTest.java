package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.common.config.ServerTls;
import io.ballast.controlplane.security.Role;
import io.ballast.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --tls-*} and {@code --admin-auth}: what reaches the config, and what is refused at startup. */
class ControlPlaneSecurityOptionsTest {

    @RegisterExtension static final TestCertificates certs = new TestCertificates();
    @TempDir Path dir;

    private static ControlPlaneConfig parse(String... args) {
        ControlPlaneCommand command = new ControlPlaneCommand();
        new CommandLine(command).parseArgs(args);
        return command.toConfig();
    }

    private static String[] withServerCert(String... more) {
        List<String> args = new ArrayList<>(List.of("--tls-cert", certs.server().cert().toString(),
                "--tls-key", certs.server().key().toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void securityIsOffByDefault() {
        ControlPlaneConfig config = parse();
        assertThat(config.tls()).isEmpty();
        assertThat(config.adminAuth()).isEmpty();
    }

    @Test
    void everyOptionReachesTheConfig() throws Exception {
        Path auth = Files.writeString(dir.resolve("auth.yaml"), "certificates: [{cn: ops, role: operator}]\n");
        ControlPlaneConfig tlsOnly = parse(withServerCert());
        assertThat(tlsOnly.tls()).contains(new ServerTls(certs.server().cert(), certs.server().key(),
                java.util.Optional.empty(), ServerTls.ClientAuth.NONE));

        ControlPlaneConfig mutual = parse(withServerCert("--tls-client-ca", certs.caCert().toString(),
                "--admin-auth", auth.toString()));
        assertThat(mutual.tls().orElseThrow().clientCa()).contains(certs.caCert());
        assertThat(mutual.tls().orElseThrow().clientAuth()).isEqualTo(ServerTls.ClientAuth.REQUIRE);
        assertThat(mutual.tls().orElseThrow().describe()).isEqualTo("mutual TLS");
        assertThat(mutual.adminAuth().orElseThrow().certificates()).containsEntry("ops", Role.OPERATOR);

        ControlPlaneConfig optional = parse(withServerCert("--tls-client-ca", certs.caCert().toString(),
                "--tls-client-auth", "Optional"));
        assertThat(optional.tls().orElseThrow().clientAuth()).isEqualTo(ServerTls.ClientAuth.OPTIONAL);
    }

    @Test
    void missingOrWrongFilesAreRefusedNamingTheOption() throws Exception {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> parse("--tls-cert", missing.toString(), "--tls-key", certs.server().key().toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tls-cert: \"" + missing + "\" (expected: a readable PEM file)");
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a certificate\n");
        assertThatThrownBy(() -> parse("--tls-cert", certs.server().cert().toString(), "--tls-key", text.toString()))
                .hasMessage("tls-key: \"" + text + "\" (expected: a readable PEM file)");
        Path pkcs1 = Files.writeString(dir.resolve("rsa.key"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> parse("--tls-cert", certs.server().cert().toString(), "--tls-key", pkcs1.toString()))
                .hasMessageStartingWith("tls-key: \"" + pkcs1 + "\" (expected: an unencrypted PKCS#8 RSA or EC private key")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        assertThatThrownBy(() -> parse("--tls-cert", certs.server().key().toString(), "--tls-key", certs.server().key().toString()))
                .hasMessage("tls-cert: \"" + certs.server().key() + "\" (expected: a PEM file with at least one certificate"
                        + " (-----BEGIN CERTIFICATE-----))");
        assertThatThrownBy(() -> parse("--tls-cert", certs.server().cert().toString(), "--tls-key",
                certs.client("someone").key().toString()))
                .hasMessage("tls-key: \"" + certs.client("someone").key() + "\" (expected: the private key of tls-cert \""
                        + certs.server().cert() + "\")");
        assertThatThrownBy(() -> parse(withServerCert("--tls-client-ca", missing.toString())))
                .hasMessage("tls-client-ca: \"" + missing + "\" (expected: a readable PEM file)");
        assertThatThrownBy(() -> parse("--admin-auth", dir.resolve("auth.yaml").toString()))
                .hasMessageStartingWith("admin-auth: \"" + dir.resolve("auth.yaml") + "\" (expected: a readable YAML file");
    }

    @Test
    void inconsistentOptionsAreRefused() {
        assertThatThrownBy(() -> parse("--tls-key", certs.server().key().toString()))
                .hasMessage("tls-cert: null (expected: set when tls-key, tls-client-ca or tls-client-auth is)");
        assertThatThrownBy(() -> parse("--tls-cert", certs.server().cert().toString()))
                .hasMessage("tls-key: null (expected: set when tls-cert is)");
        assertThatThrownBy(() -> parse(withServerCert("--tls-client-auth", "require")))
                .hasMessage("tls-client-ca: null (expected: set when tls-client-auth is require)");
        assertThatThrownBy(() -> parse(withServerCert("--tls-client-ca", certs.caCert().toString(), "--tls-client-auth", "none")))
                .hasMessage("tls-client-auth: \"none\" (expected: optional or require when tls-client-ca is set)");
        assertThatThrownBy(() -> parse(withServerCert("--tls-client-auth", "always")))
                .hasMessage("tls-client-auth: \"always\" (expected: none, optional or require)");
    }

    @Test
    void theOptionsAreOnTheCommand() {
        assertThat(new CommandLine(new ControlPlaneCommand()).getCommandSpec().optionsMap().keySet())
                .contains("--tls-cert", "--tls-key", "--tls-client-ca", "--tls-client-auth", "--admin-auth");
    }
}
