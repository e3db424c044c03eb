package io.ballast.common.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the PEM files that TLS options name, so that a wrong path or a wrong file is refused at
 * startup in the {@link Checks} style ({@code tls-cert: "/x.pem" (expected: a readable PEM file)})
 * rather than at the first handshake. Used by {@link ServerTls} and {@link ClientTls}.
 *
 * <p>Private keys must be unencrypted PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}), RSA or EC:
 * what gRPC's TLS stack reads without extra providers. {@code openssl genpkey} writes that format.
 */
public final class TlsFiles {

    static final String READABLE = "a readable PEM file";
    private static final Pattern CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+)-----END CERTIFICATE-----");
    private static final Pattern PKCS8_KEY =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final String PKCS8_EXPECTED = "an unencrypted PKCS#8 RSA or EC private key (-----BEGIN PRIVATE KEY-----);"
            + " convert one with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem";

    private TlsFiles() {}

    /**
     * The X.509 certificates in {@code file}, in file order (a chain starts with the leaf).
     *
     * @throws IllegalArgumentException when the file is missing, unreadable, not PEM, or holds no certificate
     */
    public static List<X509Certificate> certificates(String field, Path file) {
        String pem = readPem(field, file);
        List<X509Certificate> certificates = new ArrayList<>();
        Matcher matcher = CERTIFICATE.matcher(pem);
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            while (matcher.find()) {
                byte[] der = Base64.getMimeDecoder().decode(matcher.group(1));
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IllegalArgumentException(Checks.message(field, file.toString(),
                    "a PEM file of X.509 certificates (" + e.getMessage() + ")"));
        }
        Checks.check(!certificates.isEmpty(), field, file.toString(),
                "a PEM file with at least one certificate (-----BEGIN CERTIFICATE-----)");
        return certificates;
    }

    /**
     * The private key in {@code file}.
     *
     * @throws IllegalArgumentException when the file is missing, unreadable, not PEM, encrypted,
     *     not PKCS#8, or neither RSA nor EC
     */
    public static PrivateKey privateKey(String field, Path file) {
        String pem = readPem(field, file);
        Matcher matcher = PKCS8_KEY.matcher(pem);
        Checks.check(matcher.find(), field, file.toString(), PKCS8_EXPECTED);
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(matcher.group(1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(Checks.message(field, file.toString(), PKCS8_EXPECTED));
        }
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // Not this algorithm; try the next.
            }
        }
        throw new IllegalArgumentException(Checks.message(field, file.toString(), PKCS8_EXPECTED));
    }

    /**
     * Checks that {@code keyFile} holds the private key of the first certificate in {@code certFile}
     * (it signs a probe that the certificate's public key verifies).
     */
    public static void checkKeyPair(String certField, Path certFile, String keyField, Path keyFile) {
        X509Certificate leaf = certificates(certField, certFile).get(0);
        PrivateKey key = privateKey(keyField, keyFile);
        String expected = "the private key of " + certField + " \"" + certFile + "\"";
        Checks.check(key.getAlgorithm().equals(leaf.getPublicKey().getAlgorithm()), keyField, keyFile.toString(), expected);
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        byte[] probe = "ballast key pair check".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        Checks.check(matches, keyField, keyFile.toString(), expected);
    }

    /** The file's text; PEM is ASCII, so bytes map one to one. */
    private static String readPem(String field, Path file) {
        Checks.check(file != null, field, null, READABLE);
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException(Checks.message(field, file.toString(), READABLE));
        }
        Checks.check(text.contains("-----BEGIN "), field, file.toString(), READABLE);
        return text;
    }
}
