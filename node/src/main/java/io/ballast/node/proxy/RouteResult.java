package io.ballast.node.proxy;

import io.netty.handler.codec.http.HttpResponseStatus;

/** What routing decided for one request: a service to forward to, or an error answer. */
sealed interface RouteResult permits ServiceTarget, RouteResult.Rejection {

    /** The proxy answers the client itself with this status and a text body naming the reason. */
    record Rejection(HttpResponseStatus status, String reason) implements RouteResult {}
}
