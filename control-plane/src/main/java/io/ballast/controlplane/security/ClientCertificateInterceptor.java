package io.ballast.controlplane.security;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Lets a call through only when its caller presented a client certificate that TLS verified.
 *
 * <p>Guards the nodes' control stream when client certificates are optional ({@code
 * --tls-client-auth optional}, so that ballastctl may come with a bearer token alone): the TLS
 * layer then lets clients without a certificate in, and only this keeps them off the stream.
 * With {@code require} the handshake already refuses them; with no client CA there is nothing to
 * verify and the stream is open to any TLS client.
 */
public final class ClientCertificateInterceptor implements ServerInterceptor {

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
            ServerCallHandler<ReqT, RespT> next) {
        if (!hasVerifiedCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))) {
            call.close(Status.UNAUTHENTICATED.withDescription(call.getMethodDescriptor().getFullMethodName()
                    + " requires a client certificate signed by the control plane's client CA"), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
    }

    private static boolean hasVerifiedCertificate(SSLSession session) {
        if (session == null) {
            return false;
        }
        try {
            return session.getPeerCertificates().length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }
}
