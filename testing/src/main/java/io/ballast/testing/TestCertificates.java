package io.ballast.testing;

import io.ballast.common.config.TlsFiles;
import io.ballast.common.tls.CertificateAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test certificate authority, and certificates it signs, written as PEM files into a temporary
 * directory that is deleted after the test class. Register once per class:
 *
 * <pre>{@code @RegisterExtension static final TestCertificates certs = new TestCertificates();}</pre>
 *
 * <p>{@link #server()} is valid for {@code localhost} and {@code 127.0.0.1} (what in-process
 * control planes advertise); {@link #client(String)} carries the given subject CN (the admin
 * identity); {@link #foreignClient(String)} is signed by a second CA that nothing trusts. Keys
 * are EC P-256, written as unencrypted PKCS#8 by {@link CertificateAuthority}; certificates are
 * valid from an hour ago for a day. Thread-safe; files are generated once and cached by name.
 */
public final class TestCertificates implements BeforeAllCallback, AfterAllCallback {

    /** A certificate and its private key, as PEM files. */
    public record Pair(Path cert, Path key) {}

    private static final Duration VALIDITY = Duration.ofDays(1);

    private Path dir;
    private CertificateAuthority ca;
    private CertificateAuthority otherCa;
    private final Map<String, Pair> issued = new HashMap<>();

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        try {
            dir = Files.createTempDirectory("ballast-certs");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ca = CertificateAuthority.create("Ballast Test CA", VALIDITY, dir.resolve("ca"));
        otherCa = CertificateAuthority.create("Some Other CA", VALIDITY, dir.resolve("other-ca"));
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) throws IOException {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
        dir = null;
        issued.clear();
    }

    /** The directory holding every file. */
    public synchronized Path directory() {
        checkStarted();
        return dir;
    }

    /** PEM of the test CA's certificate: what servers and clients trust. */
    public synchronized Path caCert() {
        checkStarted();
        return ca.files().cert();
    }

    /** PEM of a second CA's certificate, unrelated to {@link #caCert()}. */
    public synchronized Path otherCaCert() {
        checkStarted();
        return otherCa.files().cert();
    }

    /** A server certificate signed by the test CA, CN {@code control-plane}, for localhost and 127.0.0.1. */
    public synchronized Pair server() {
        return issue(ca, "server", "control-plane", true);
    }

    /** A client certificate signed by the test CA with subject CN {@code cn}. */
    public synchronized Pair client(String cn) {
        return issue(ca, "client-" + cn, cn, false);
    }

    /** A client certificate with subject CN {@code cn} signed by a CA nothing trusts. */
    public synchronized Pair foreignClient(String cn) {
        return issue(otherCa, "foreign-" + cn, cn, false);
    }

    /**
     * A key manager that offers {@code pair} to every server, even one that asks for certificates
     * of another CA. A TLS client normally sends no certificate then (so the server never sees a
     * foreign one); this one lets a test check that the server refuses it.
     */
    public static X509ExtendedKeyManager alwaysOffering(Pair pair) {
        X509Certificate[] chain = TlsFiles.certificates("cert", pair.cert()).toArray(X509Certificate[]::new);
        PrivateKey key = TlsFiles.privateKey("key", pair.key());
        return new X509ExtendedKeyManager() {
            @Override
            public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
                return "client";
            }

            @Override
            public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
                return "client";
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return chain.clone();
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return key;
            }

            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[] {"client"};
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }
        };
    }

    private Pair issue(CertificateAuthority issuer, String name, String cn, boolean server) {
        checkStarted();
        return issued.computeIfAbsent(name, n -> {
            CertificateAuthority.Pair pair = server
                    ? issuer.issueServer(cn, List.of("localhost", InetAddress.getLoopbackAddress().getHostAddress()), VALIDITY, dir.resolve(n))
                    : issuer.issueClient(cn, VALIDITY, dir.resolve(n));
            return new Pair(pair.cert(), pair.key());
        });
    }

    private void checkStarted() {
        if (dir == null) {
            throw new IllegalStateException("TestCertificates is not started: register it with @RegisterExtension");
        }
    }
}
