package io.ballast.common.config;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The TLS options of a gRPC client of the control plane (a node, ballastctl), as a picocli mixin
 * ({@code @Mixin ClientTlsOptions tls;}). Any of them turns TLS on; none means plaintext.
 * {@link #toTls()} validates them.
 */
public final class ClientTlsOptions {

    @Option(names = "--tls-ca", description = "PEM file of the CA certificate(s) the control plane's certificate is "
            + "verified against; turns TLS on (default: plaintext; with only --tls-cert, the JVM's trust store)")
    public Path ca;

    @Option(names = "--tls-cert", description = "PEM file of this client's certificate chain, for mutual TLS "
            + "(with --tls-key); turns TLS on")
    public Path cert;

    @Option(names = "--tls-key", description = "PEM file of this client's unencrypted PKCS#8 private key (with --tls-cert)")
    public Path key;

    /** @throws IllegalArgumentException naming the first invalid option */
    public Optional<ClientTls> toTls() {
        return ClientTls.fromOptions(ca, cert, key);
    }
}
