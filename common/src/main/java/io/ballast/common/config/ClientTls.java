package io.ballast.common.config;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS of a gRPC client (a node's control stream, ballastctl), from PEM files. Validated on
 * construction, naming each field by its command-line option.
 *
 * <p>The server's certificate is verified against {@code trustCa} (else the JVM's default trust
 * store) and must name the address the client dials (host name or IP address in its subject
 * alternative names): the address a replica advertises in ZooKeeper.
 *
 * @param trustCa {@code --tls-ca}: CA certificates that sign the control plane's certificates
 * @param certChain {@code --tls-cert}: this client's certificate, for mutual TLS
 * @param privateKey {@code --tls-key}: this client's PKCS#8 private key, with {@code certChain}
 */
public record ClientTls(Optional<Path> trustCa, Optional<Path> certChain, Optional<Path> privateKey) {

    public ClientTls {
        Objects.requireNonNull(trustCa, "trustCa");
        Objects.requireNonNull(certChain, "certChain");
        Objects.requireNonNull(privateKey, "privateKey");
        Checks.check(certChain.isPresent() || privateKey.isEmpty(), "tls-cert", null, "set when tls-key is");
        Checks.check(privateKey.isPresent() || certChain.isEmpty(), "tls-key", null, "set when tls-cert is");
        trustCa.ifPresent(ca -> TlsFiles.certificates("tls-ca", ca));
        if (certChain.isPresent()) {
            TlsFiles.checkKeyPair("tls-cert", certChain.get(), "tls-key", privateKey.get());
        }
    }

    /**
     * The TLS settings these option values describe (any of them turns TLS on); empty, meaning
     * plaintext, when none is set.
     *
     * @throws IllegalArgumentException naming the first invalid option
     */
    public static Optional<ClientTls> fromOptions(Path ca, Path cert, Path key) {
        if (ca == null && cert == null && key == null) {
            return Optional.empty();
        }
        return Optional.of(new ClientTls(Optional.ofNullable(ca), Optional.ofNullable(cert), Optional.ofNullable(key)));
    }

    /** gRPC credentials for a channel with these settings. */
    public ChannelCredentials credentials() {
        TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
        try {
            if (trustCa.isPresent()) {
                builder.trustManager(trustCa.get().toFile());
            }
            if (certChain.isPresent()) {
                builder.keyManager(certChain.get().toFile(), privateKey.orElseThrow().toFile());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(Checks.message("tls", toString(), TlsFiles.READABLE + " (" + e.getMessage() + ")"), e);
        }
        return builder.build();
    }

    /** The credentials of {@code tls}, or plaintext when it is empty. */
    public static ChannelCredentials credentials(Optional<ClientTls> tls) {
        return tls.map(ClientTls::credentials).orElseGet(InsecureChannelCredentials::create);
    }
}
