package io.ballast.common.tls;

import io.ballast.common.config.TlsFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
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

/**
 * A small certificate authority for Ballast's gRPC TLS: creates (or loads) an EC P-256 CA and
 * issues server certificates (with DNS/IP subject alternative names) and client certificates
 * (whose CN is the admin identity), written as PEM: certificates as {@code NAME.crt}, keys as
 * unencrypted PKCS#8 {@code NAME.key} (mode 600 where the file system allows), the format gRPC
 * and {@code openssl genpkey} use.
 *
 * <p>BouncyCastle builds the X.509 structures because the JDK has no public API to create a
 * certificate. Meant for {@code bin/ballast tls-certs} (the compose file's certificate step) and
 * for tests; an operator with a PKI uses its own (docs/security.md). Thread-safe: immutable.
 * Failures (unwritable directory, a key that does not match its certificate) throw
 * {@link IllegalStateException} or {@link IllegalArgumentException} naming the file.
 */
public final class CertificateAuthority {

    /** A certificate and its private key, as PEM files. */
    public record Pair(Path cert, Path key) {}

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final Pair files;

    private CertificateAuthority(X509Certificate certificate, PrivateKey key, Pair files) {
        this.certificate = certificate;
        this.key = key;
        this.files = files;
    }

    /** Creates a self-signed CA with subject {@code CN=cn} and writes it to {@code base}.crt/.key. */
    public static CertificateAuthority create(String cn, Duration validity, Path base) {
        KeyPair keys = newKeyPair();
        X500Name name = name(cn);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(name, name, keys.getPublic(), validity)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate certificate = sign(builder, keys.getPrivate());
            return new CertificateAuthority(certificate, keys.getPrivate(), write(base, certificate, keys.getPrivate()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the CA " + cn + " at " + base + ": " + e.getMessage(), e);
        }
    }

    /** Loads a CA written earlier by {@link #create}; the key must match the certificate. */
    public static CertificateAuthority load(Path cert, Path key) {
        TlsFiles.checkKeyPair("ca-cert", cert, "ca-key", key);
        X509Certificate certificate = TlsFiles.certificates("ca-cert", cert).get(0);
        return new CertificateAuthority(certificate, TlsFiles.privateKey("ca-key", key), new Pair(cert, key));
    }

    /** The CA's own PEM files: the certificate is what servers and clients trust. */
    public Pair files() {
        return files;
    }

    /**
     * Issues a server certificate for the given subject alternative names (IP literals become IP
     * entries, anything else DNS entries), written to {@code base}.crt/.key.
     */
    public Pair issueServer(String cn, List<String> subjectAltNames, Duration validity, Path base) {
        if (subjectAltNames.isEmpty()) {
            throw new IllegalArgumentException("server " + cn + ": no subject alternative names (expected: the DNS names"
                    + " or IP addresses clients dial)");
        }
        GeneralName[] names = subjectAltNames.stream().map(CertificateAuthority::generalName).toArray(GeneralName[]::new);
        return issue(cn, KeyPurposeId.id_kp_serverAuth, new GeneralNames(names), validity, base);
    }

    /** Issues a client certificate with subject {@code CN=cn} (the admin identity), written to {@code base}.crt/.key. */
    public Pair issueClient(String cn, Duration validity, Path base) {
        return issue(cn, KeyPurposeId.id_kp_clientAuth, null, validity, base);
    }

    private Pair issue(String cn, KeyPurposeId purpose, GeneralNames altNames, Duration validity, Path base) {
        KeyPair subjectKeys = newKeyPair();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(name(certificate), name(cn), subjectKeys.getPublic(), validity)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(subjectKeys.getPublic()));
            if (altNames != null) {
                builder.addExtension(Extension.subjectAlternativeName, false, altNames);
            }
            return write(base, sign(builder, key), subjectKeys.getPrivate());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue the certificate " + cn + " at " + base + ": " + e.getMessage(), e);
        }
    }

    /** Throws {@link IllegalArgumentException} unless {@code name} is a DNS name or an IP address; writes nothing. */
    public static void checkSubjectAltName(String name) {
        generalName(name);
    }

    private static GeneralName generalName(String name) {
        if (name.matches("[0-9.]+") || name.contains(":")) {
            try {
                return new GeneralName(GeneralName.iPAddress, InetAddress.getByName(name).getHostAddress());
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("subject alternative name: " + name + " (expected: a DNS name or an IP address)");
            }
        }
        if (!name.matches("[A-Za-z0-9*]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")) {
            throw new IllegalArgumentException("subject alternative name: " + name + " (expected: a DNS name or an IP address)");
        }
        return new GeneralName(GeneralName.dNSName, name);
    }

    private static X500Name name(String cn) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).addRDN(BCStyle.O, "Ballast").build();
    }

    private static X500Name name(X509Certificate certificate) {
        return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey subjectKey, Duration validity) {
        Instant now = Instant.now();
        // An hour of back-dating tolerates clock skew between the host that issues and the hosts that verify.
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)), subject, subjectKey);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
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

    private static Pair write(Path base, X509Certificate certificate, PrivateKey key) throws IOException, GeneralSecurityException {
        Path cert = base.resolveSibling(base.getFileName() + ".crt");
        Path keyFile = base.resolveSibling(base.getFileName() + ".key");
        Files.createDirectories(cert.toAbsolutePath().getParent());
        Files.writeString(cert, pem("CERTIFICATE", certificate.getEncoded()), StandardCharsets.US_ASCII);
        Files.deleteIfExists(keyFile);
        Files.createFile(keyFile);
        try {
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // e.g. a Windows file system: the directory's permissions are all there is
        }
        // PrivateKey.getEncoded() of an EC key is PKCS#8, the "BEGIN PRIVATE KEY" format gRPC reads.
        Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
        return new Pair(cert, keyFile);
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
