package io.ballast.testing;

import io.ballast.common.config.TlsFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
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
 * are EC P-256, written as unencrypted PKCS#8 as {@code openssl genpkey} does; certificates are
 * valid from an hour ago for a day. Thread-safe; files are generated once and cached by name.
 */
public final class TestCertificates implements BeforeAllCallback, AfterAllCallback {

    /** A certificate and its private key, as PEM files. */
    public record Pair(Path cert, Path key) {}

    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private Path dir;
    private Authority ca;
    private Authority otherCa;
    private final Map<String, Pair> issued = new HashMap<>();

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        try {
            dir = Files.createTempDirectory("ballast-certs");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ca = Authority.create("Ballast Test CA", dir.resolve("ca"));
        otherCa = Authority.create("Some Other CA", dir.resolve("other-ca"));
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
        return ca.pair.cert();
    }

    /** PEM of a second CA's certificate, unrelated to {@link #caCert()}. */
    public synchronized Path otherCaCert() {
        checkStarted();
        return otherCa.pair.cert();
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

    private Pair issue(Authority issuer, String name, String cn, boolean server) {
        checkStarted();
        return issued.computeIfAbsent(name, n -> issuer.sign(cn, server, dir.resolve(n)));
    }

    private void checkStarted() {
        if (dir == null) {
            throw new IllegalStateException("TestCertificates is not started: register it with @RegisterExtension");
        }
    }

    /** A CA: its key pair and self-signed certificate. */
    private record Authority(X500Name name, KeyPair keys, X509Certificate certificate, Pair pair) {

        static Authority create(String cn, Path base) {
            KeyPair keys = newKeyPair();
            X500Name name = new X500Name("CN=" + cn + ",O=Ballast tests");
            try {
                JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
                X509v3CertificateBuilder builder = builder(name, name, keys)
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                        .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
                X509Certificate certificate = sign(builder, keys);
                return new Authority(name, keys, certificate, write(base, certificate, keys));
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot create test CA " + cn, e);
            }
        }

        Pair sign(String cn, boolean server, Path base) {
            KeyPair subjectKeys = newKeyPair();
            try {
                JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
                X509v3CertificateBuilder builder = builder(name, new X500Name("CN=" + cn + ",O=Ballast tests"), subjectKeys)
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                        .addExtension(Extension.extendedKeyUsage, false,
                                new ExtendedKeyUsage(server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth))
                        .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate))
                        .addExtension(Extension.subjectKeyIdentifier, false,
                                extensions.createSubjectKeyIdentifier(subjectKeys.getPublic()));
                if (server) {
                    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress()),
                    }));
                }
                return write(base, sign(builder, keys), subjectKeys);
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot issue test certificate " + cn, e);
            }
        }

        private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys) {
            Instant now = Instant.now();
            return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.incrementAndGet()),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
                    subjectKeys.getPublic());
        }

        private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuerKeys) throws GeneralSecurityException {
            try {
                return new JcaX509CertificateConverter().getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
            } catch (OperatorCreationException e) {
                throw new GeneralSecurityException(e);
            }
        }

        private static KeyPair newKeyPair() {
            try {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec("secp256r1"));
                return generator.generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        private static Pair write(Path base, X509Certificate certificate, KeyPair keys) throws IOException, GeneralSecurityException {
            Path cert = base.resolveSibling(base.getFileName() + ".crt");
            Path key = base.resolveSibling(base.getFileName() + ".key");
            Files.writeString(cert, pem("CERTIFICATE", certificate.getEncoded()), StandardCharsets.US_ASCII);
            // PrivateKey.getEncoded() is PKCS#8, the "BEGIN PRIVATE KEY" format gRPC's TLS reads.
            Files.writeString(key, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
            return new Pair(cert, key);
        }

        private static String pem(String type, byte[] der) {
            String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
            return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
        }
    }
}
