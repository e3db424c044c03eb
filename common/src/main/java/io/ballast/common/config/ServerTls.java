package io.ballast.common.config;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS of a gRPC server, from PEM files: its certificate chain and key and, for mutual TLS, the CA
 * that client certificates must chain to. Validated on construction (files readable, key matching
 * the certificate, options consistent), naming each field by its command-line option.
 *
 * @param certChain {@code --tls-cert}: the server's certificate, then its intermediates
 * @param privateKey {@code --tls-key}: the server's PKCS#8 private key
 * @param clientCa {@code --tls-client-ca}: CA certificates client certificates are verified against
 * @param clientAuth {@code --tls-client-auth}: whether a client certificate is asked for or required
 */
public record ServerTls(Path certChain, Path privateKey, Optional<Path> clientCa, ClientAuth clientAuth) {

    /** Whether the server asks clients for a certificate; any certificate given is verified against the client CA. */
    public enum ClientAuth {
        /** No client certificate is asked for. */
        NONE,
        /** A client certificate is asked for; a client without one is let in (it may use a bearer token). */
        OPTIONAL,
        /** Only clients with a certificate signed by the client CA complete the handshake. */
        REQUIRE;

        /** Parses {@code none|optional|require}, any case. */
        public static ClientAuth parse(String field, String value) {
            Checks.check(value != null, field, null, "none, optional or require");
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "none" -> NONE;
                case "optional" -> OPTIONAL;
                case "require" -> REQUIRE;
                default -> throw new IllegalArgumentException(Checks.message(field, value, "none, optional or require"));
            };
        }
    }

    public ServerTls {
        Objects.requireNonNull(clientCa, "clientCa");
        Objects.requireNonNull(clientAuth, "clientAuth");
        TlsFiles.checkKeyPair("tls-cert", certChain, "tls-key", privateKey);
        clientCa.ifPresent(ca -> TlsFiles.certificates("tls-client-ca", ca));
        Checks.check(clientAuth == ClientAuth.NONE || clientCa.isPresent(), "tls-client-ca", null,
                "set when tls-client-auth is " + clientAuth.name().toLowerCase(Locale.ROOT));
        Checks.check(clientAuth != ClientAuth.NONE || clientCa.isEmpty(), "tls-client-auth", "none",
                "optional or require when tls-client-ca is set");
    }

    /**
     * The TLS settings these option values describe; empty (plaintext) when none is set.
     * {@code clientAuth} null means {@code require} with a client CA, else {@code none}.
     *
     * @throws IllegalArgumentException naming the first invalid option
     */
    public static Optional<ServerTls> fromOptions(Path cert, Path key, Path clientCa, String clientAuth) {
        boolean blankAuth = clientAuth == null || clientAuth.isBlank();
        if (cert == null && key == null && clientCa == null && blankAuth) {
            return Optional.empty();
        }
        Checks.check(cert != null, "tls-cert", null, "set when tls-key, tls-client-ca or tls-client-auth is");
        Checks.check(key != null, "tls-key", null, "set when tls-cert is");
        ClientAuth auth = blankAuth
                ? (clientCa != null ? ClientAuth.REQUIRE : ClientAuth.NONE)
                : ClientAuth.parse("tls-client-auth", clientAuth);
        return Optional.of(new ServerTls(cert, key, Optional.ofNullable(clientCa), auth));
    }

    /** gRPC credentials for a server with these settings. */
    public ServerCredentials credentials() {
        try {
            TlsServerCredentials.Builder builder = TlsServerCredentials.newBuilder()
                    .keyManager(certChain.toFile(), privateKey.toFile());
            if (clientCa.isPresent()) {
                builder.trustManager(clientCa.get().toFile());
            }
            return builder.clientAuth(switch (clientAuth) {
                case NONE -> TlsServerCredentials.ClientAuth.NONE;
                case OPTIONAL -> TlsServerCredentials.ClientAuth.OPTIONAL;
                case REQUIRE -> TlsServerCredentials.ClientAuth.REQUIRE;
            }).build();
        } catch (IOException e) {
            throw new IllegalArgumentException(Checks.message("tls-cert", certChain.toString(),
                    TlsFiles.READABLE + " (" + e.getMessage() + ")"), e);
        }
    }

    /** The credentials of {@code tls}, or plaintext when it is empty. */
    public static ServerCredentials credentials(Optional<ServerTls> tls) {
        return tls.map(ServerTls::credentials).orElseGet(InsecureServerCredentials::create);
    }

    /** {@code TLS}, {@code mutual TLS (client certificate optional)} and so on, for logs. */
    public String describe() {
        return switch (clientAuth) {
            case NONE -> "TLS";
            case OPTIONAL -> "TLS, client certificate optional";
            case REQUIRE -> "mutual TLS";
        };
    }
}
