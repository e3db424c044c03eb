package io.ballast.controlplane.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates and authorises every call of the admin service it intercepts, then runs the call
 * with its {@link AdminIdentity} in the gRPC {@link Context} ({@link AdminIdentity#current()}).
 *
 * <p>Identity: a bearer token ({@code authorization: Bearer <token>}) when the call carries one,
 * else the subject CN of the client certificate mutual TLS verified. With no auth file every call
 * is {@link AdminIdentity#ANONYMOUS}. Refusals: no identity, a malformed authorization header or
 * an unknown token → UNAUTHENTICATED; a certificate whose CN is not listed, or a role below what
 * {@link AdminRoles} requires → PERMISSION_DENIED naming the identity, its role, the method and
 * the role it requires. A refused call never reaches the service.
 *
 * <p>Thread-safe and stateless: it runs on gRPC's transport threads and only reads the immutable
 * {@link AdminAccess}.
 */
public final class AdminAuthInterceptor implements ServerInterceptor {

    private static final Logger log = LoggerFactory.getLogger(AdminAuthInterceptor.class);
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "bearer ";

    private final Optional<AdminAccess> access;

    /** @param access the auth file's identities; empty turns authentication off */
    public AdminAuthInterceptor(Optional<AdminAccess> access) {
        this.access = Objects.requireNonNull(access, "access");
    }

    /** The outcome of one call's check: an identity, or the status that refuses the call. */
    record Decision(AdminIdentity identity, Status refusal) {
        static Decision allow(AdminIdentity identity) {
            return new Decision(identity, null);
        }

        static Decision refuse(Status status) {
            return new Decision(null, status);
        }

        boolean allowed() {
            return refusal == null;
        }
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
            ServerCallHandler<ReqT, RespT> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Decision decision = decide(access, method, headers.get(AUTHORIZATION), access.isPresent() ? peerCn(call) : null);
        if (!decision.allowed()) {
            log.info("admin call {} from {} refused: {} {}", method, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
                    decision.refusal().getCode(), decision.refusal().getDescription());
            call.close(decision.refusal(), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        Context context = Context.current().withValue(AdminIdentity.KEY, decision.identity());
        return Contexts.interceptCall(context, call, headers, next);
    }

    /**
     * Who calls {@code method} and whether they may: the whole policy, without gRPC plumbing.
     *
     * @param authorization the {@code authorization} header, null when absent
     * @param peerCn subject CN of the verified client certificate, null when there is none
     */
    static Decision decide(Optional<AdminAccess> access, String method, String authorization, String peerCn) {
        if (access.isEmpty()) {
            return Decision.allow(AdminIdentity.ANONYMOUS);
        }
        Role required = AdminRoles.required(method);
        AdminIdentity identity;
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                    || authorization.substring(BEARER.length()).isBlank()) {
                return Decision.refuse(Status.UNAUTHENTICATED.withDescription(
                        "authorization header: expected \"Bearer <token>\""));
            }
            Optional<AdminIdentity> known = access.get().byToken(authorization.substring(BEARER.length()).strip());
            if (known.isEmpty()) {
                return Decision.refuse(Status.UNAUTHENTICATED.withDescription("unknown bearer token"));
            }
            identity = known.get();
        } else if (peerCn != null) {
            Optional<AdminIdentity> known = access.get().byCertificate(peerCn);
            if (known.isEmpty()) {
                return Decision.refuse(Status.PERMISSION_DENIED.withDescription("client certificate CN=" + peerCn
                        + " has no admin role (it is not listed in the auth file); " + method + " requires role "
                        + required.label()));
            }
            identity = known.get();
        } else {
            return Decision.refuse(Status.UNAUTHENTICATED.withDescription("no client certificate or bearer token"));
        }
        if (!identity.role().includes(required)) {
            return Decision.refuse(Status.PERMISSION_DENIED.withDescription(identity.describe() + " may not call "
                    + method + ": it requires role " + required.label()));
        }
        return Decision.allow(identity);
    }

    /** The subject CN of the client certificate TLS verified, or null. */
    private static String peerCn(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? subjectCn(leaf) : null;
        } catch (SSLPeerUnverifiedException noCertificate) {
            return null;
        }
    }

    /** The most specific CN of the certificate's subject, or null. */
    static String subjectCn(X509Certificate certificate) {
        try {
            List<Rdn> rdns = new LdapName(certificate.getSubjectX500Principal().getName()).getRdns();
            // LdapName lists the most significant RDN first (the reverse of the string form).
            for (int i = rdns.size() - 1; i >= 0; i--) {
                if (rdns.get(i).getType().toUpperCase(Locale.ROOT).equals("CN")) {
                    return String.valueOf(rdns.get(i).getValue());
                }
            }
            return null;
        } catch (InvalidNameException e) {
            return null;
        }
    }
}
