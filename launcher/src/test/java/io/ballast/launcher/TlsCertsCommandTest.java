package io.ballast.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.common.config.TlsFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TlsCertsCommandTest {

    @TempDir Path dir;

    private record Run(int exitCode, String out, String err) {}

    private Run run(String... args) {
        String[] argv = new String[args.length + 1];
        argv[0] = "tls-certs";
        System.arraycopy(args, 0, argv, 1, args.length);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine(argv);
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int code = commandLine.execute(argv);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void issuesServerAndClientCertificatesThatChainToTheCa() throws Exception {
        Run run = run("--out", dir.toString(), "--server", "cp1=cp1,10.0.0.11", "--client", "ops-admin");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("created " + dir.resolve("ca.crt"), "created " + dir.resolve("cp1.crt") + " for cp1, 10.0.0.11");

        X509Certificate ca = TlsFiles.certificates("ca", dir.resolve("ca.crt")).get(0);
        X509Certificate server = TlsFiles.certificates("cp1", dir.resolve("cp1.crt")).get(0);
        X509Certificate client = TlsFiles.certificates("ops-admin", dir.resolve("ops-admin.crt")).get(0);
        for (X509Certificate leaf : List.of(server, client)) {
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
            params.setRevocationEnabled(false);
            // Throws when the chain does not validate.
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), params);
        }
        assertThat(server.getSubjectAlternativeNames()).extracting(name -> name.get(1).toString()).containsExactly("cp1", "10.0.0.11");
        assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(client.getSubjectX500Principal().getName()).contains("CN=ops-admin");
        assertThat(client.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        TlsFiles.checkKeyPair("cert", dir.resolve("cp1.crt"), "key", dir.resolve("cp1.key"));
        assertThat(Files.getPosixFilePermissions(dir.resolve("cp1.key")))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }

    @Test
    void aSecondRunKeepsTheCaAndExistingCertificatesAndAddsNewOnes() throws Exception {
        assertThat(run("--out", dir.toString(), "--client", "node1").exitCode()).isZero();
        String caBefore = Files.readString(dir.resolve("ca.crt"));
        String nodeBefore = Files.readString(dir.resolve("node1.crt"));

        Run again = run("--out", dir.toString(), "--client", "node1", "--client", "node2");

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains("kept    " + dir.resolve("ca.crt"), "kept    " + dir.resolve("node1.crt"),
                "created " + dir.resolve("node2.crt"));
        assertThat(Files.readString(dir.resolve("ca.crt"))).isEqualTo(caBefore);
        assertThat(Files.readString(dir.resolve("node1.crt"))).isEqualTo(nodeBefore);
        X509Certificate ca = TlsFiles.certificates("ca", dir.resolve("ca.crt")).get(0);
        TlsFiles.certificates("node2", dir.resolve("node2.crt")).get(0).verify(ca.getPublicKey());
    }

    @Test
    void badNamesAreRefusedBeforeAnythingIsWritten() throws Exception {
        Run noSans = run("--out", dir.toString(), "--server", "cp1");
        assertThat(noSans.exitCode()).isEqualTo(2);
        assertThat(noSans.err()).contains("server: cp1 (expected: NAME=SAN[,SAN...]");

        Run badSan = run("--out", dir.toString(), "--server", "cp1=not a host");
        assertThat(badSan.exitCode()).isEqualTo(2);
        assertThat(badSan.err()).contains("subject alternative name: not a host (expected: a DNS name or an IP address)");

        Run badName = run("--out", dir.toString(), "--client", "../etc/passwd");
        assertThat(badName.exitCode()).isEqualTo(2);
        assertThat(badName.err()).contains("client: ../etc/passwd (expected: a name [A-Za-z0-9._-]{1,64}");

        Run badDays = run("--out", dir.toString(), "--client", "a", "--days", "0");
        assertThat(badDays.err()).contains("days: 0 (expected: 1..3650)");

        try (var files = Files.list(dir)) {
            assertThat(files).as("bad names are checked before the CA is created").isEmpty();
        }
    }
}
