package io.ballast.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.common.config.ClientTls;
import io.ballast.testing.TestCertificates;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

class NodeTlsOptionsTest {

    @RegisterExtension static final TestCertificates certs = new TestCertificates();

    private static NodeConfig parse(String... args) {
        NodeCommand command = new NodeCommand();
        new CommandLine(command).parseArgs(args);
        return command.toConfig();
    }

    @Test
    void plaintextByDefault() {
        NodeConfig config = parse();
        assertThat(config.controlPlaneTls()).isEmpty();
        assertThat(config.controlPlaneCredentials()).isInstanceOf(InsecureChannelCredentials.class);
    }

    @Test
    void theTlsOptionsReachTheConfig() {
        NodeConfig config = parse("--tls-ca", certs.caCert().toString(), "--tls-cert", certs.client("node-1").cert().toString(),
                "--tls-key", certs.client("node-1").key().toString());
        assertThat(config.controlPlaneTls()).contains(new ClientTls(Optional.of(certs.caCert()),
                Optional.of(certs.client("node-1").cert()), Optional.of(certs.client("node-1").key())));
        assertThat(config.controlPlaneCredentials()).isInstanceOf(TlsChannelCredentials.class);
        assertThat(parse("--tls-ca", certs.caCert().toString()).controlPlaneTls().orElseThrow().certChain()).isEmpty();
    }

    @Test
    void badFilesAndHalfPairsAreRefusedAtStartup() {
        Path missing = Path.of("/nonexistent/ca.pem");
        assertThatThrownBy(() -> parse("--tls-ca", missing.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tls-ca: \"" + missing + "\" (expected: a readable PEM file)");
        assertThatThrownBy(() -> parse("--tls-ca", certs.caCert().toString(), "--tls-cert", certs.client("n").cert().toString()))
                .hasMessage("tls-key: null (expected: set when tls-cert is)");
        assertThatThrownBy(() -> parse("--tls-key", certs.client("n").key().toString()))
                .hasMessage("tls-cert: null (expected: set when tls-key is)");
    }
}
