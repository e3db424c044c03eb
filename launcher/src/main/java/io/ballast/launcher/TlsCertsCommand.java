package io.ballast.launcher;

import io.ballast.common.tls.CertificateAuthority;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bin/ballast tls-certs}: a CA and the certificates a cluster's gRPC TLS needs, as PEM files
 * in one directory — the compose file's certificate step, and a quick start for operators without
 * a PKI. Idempotent: an existing CA ({@code ca.crt}/{@code ca.key}) is reused and existing
 * certificates are kept, so it can run at every start. Invalid names fail with exit code 2 before
 * anything is written.
 */
@Command(name = "tls-certs", mixinStandardHelpOptions = true,
        description = "Create a CA and server/client certificates (PEM) for Ballast's TLS and mutual TLS; "
                + "reuses what already exists in --out. See docs/security.md.")
final class TlsCertsCommand implements Callable<Integer> {

    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    @Spec CommandSpec spec;

    @Option(names = "--out", required = true, description = "Directory of the PEM files (created if missing)")
    Path out;

    @Option(names = "--ca-cn", description = "Subject CN of a new CA (default: ${DEFAULT-VALUE})", defaultValue = "Ballast CA")
    String caCn;

    @Option(names = "--server", paramLabel = "NAME=SAN[,SAN...]",
            description = "A server certificate NAME.crt/NAME.key (CN NAME) valid for the DNS names and IP addresses "
                    + "clients dial, e.g. cp1=cp1,10.0.0.11; repeatable")
    List<String> servers = new ArrayList<>();

    @Option(names = "--client", paramLabel = "CN",
            description = "A client certificate CN.crt/CN.key; the CN is the admin identity (--admin-auth certificates) "
                    + "or names a node; repeatable")
    List<String> clients = new ArrayList<>();

    @Option(names = "--days", description = "Validity of new certificates in days, 1..3650 (default: ${DEFAULT-VALUE})",
            defaultValue = "365")
    int days;

    /** A certificate to ensure: its file name, CN and, for servers, subject alternative names. */
    record Request(String name, List<String> subjectAltNames, boolean server) {}

    @Override
    public Integer call() {
        List<Request> requests = requests();
        Duration validity = Duration.ofDays(days);
        PrintWriter printed = spec.commandLine().getOut();
        CertificateAuthority ca;
        if (Files.exists(out.resolve("ca.crt")) && Files.exists(out.resolve("ca.key"))) {
            ca = CertificateAuthority.load(out.resolve("ca.crt"), out.resolve("ca.key"));
            printed.println("kept    " + ca.files().cert());
        } else {
            ca = CertificateAuthority.create(caCn, Duration.ofDays(Math.max(days, 3650)), out.resolve("ca"));
            printed.println("created " + ca.files().cert());
        }
        for (Request request : requests) {
            Path cert = out.resolve(request.name() + ".crt");
            if (Files.exists(cert) && Files.exists(out.resolve(request.name() + ".key"))) {
                printed.println("kept    " + cert);
                continue;
            }
            CertificateAuthority.Pair pair = request.server()
                    ? ca.issueServer(request.name(), request.subjectAltNames(), validity, out.resolve(request.name()))
                    : ca.issueClient(request.name(), validity, out.resolve(request.name()));
            printed.println("created " + pair.cert() + (request.server() ? " for " + String.join(", ", request.subjectAltNames()) : ""));
        }
        printed.flush();
        return 0;
    }

    /** Parses and checks every option before any file is written. */
    List<Request> requests() {
        if (days < 1 || days > 3650) {
            throw new IllegalArgumentException("days: " + days + " (expected: 1..3650)");
        }
        if (servers.isEmpty() && clients.isEmpty()) {
            throw new IllegalArgumentException("server/client: none (expected: at least one --server NAME=SAN or --client CN)");
        }
        List<Request> requests = new ArrayList<>();
        for (String server : servers) {
            int eq = server.indexOf('=');
            String name = eq < 0 ? server : server.substring(0, eq);
            List<String> sans = eq < 0 ? List.of() : Arrays.stream(server.substring(eq + 1).split(",")).map(String::trim)
                    .filter(s -> !s.isEmpty()).toList();
            checkName("server", server, name);
            if (sans.isEmpty()) {
                throw new IllegalArgumentException("server: " + server + " (expected: NAME=SAN[,SAN...], the DNS names or IP"
                        + " addresses clients dial)");
            }
            sans.forEach(CertificateAuthority::checkSubjectAltName);
            requests.add(new Request(name, sans, true));
        }
        for (String client : clients) {
            checkName("client", client, client);
            requests.add(new Request(client, List.of(), false));
        }
        return requests;
    }

    private static void checkName(String field, String value, String name) {
        if (!FILE_NAME.matcher(name).matches() || name.equals("ca")) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: a name [A-Za-z0-9._-]{1,64} other than"
                    + " \"ca\", used as the file name and CN)");
        }
    }
}
