package io.ballast.node.proxy;

import io.netty.handler.codec.http.HttpResponseStatus;

/** What routing decided for one request: a service to forward to, or an error answer. */
sealed interface RouteResult permits ServiceTarget, RouteResult.Rejection, RouteResult.Split {

    /** The proxy answers the client itself with this status and a text body naming the reason. */
    record Rejection(HttpResponseStatus status, String reason) implements RouteResult {}

    /**
     * A weighted split between services (canary: 95/5): each request picks one target with
     * probability weight / total. Immutable and shared by every event loop; {@link #pick}
     * neither allocates nor locks.
     *
     * @param targets services or rejections (a split naming a service missing from the snapshot answers 503 for its share)
     * @param cumulative running sums of the weights, same order, last = total &gt; 0
     */
    record Split(RouteResult[] targets, long[] cumulative) implements RouteResult {
        RouteResult pick() {
            long r = java.util.concurrent.ThreadLocalRandom.current().nextLong(cumulative[cumulative.length - 1]);
            for (int i = 0; i < cumulative.length; i++) {
                if (r < cumulative[i]) {
                    return targets[i];
                }
            }
            return targets[targets.length - 1];
        }
    }
}
