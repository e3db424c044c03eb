package io.ballast.launcher.demo;

import io.ballast.common.config.Checks;
import io.ballast.common.config.HostPort;

/**
 * Configuration of a demo backend.
 *
 * @param name the backend's name, first line of every answer ({@link Checks#ID})
 * @param listen address to listen on
 * @param costMillis simulated CPU cost of one request in milliseconds, >= 0: {@code GET /ballast/load}
 *     reports {@code utilization = min(1, qps x costMillis / 1000)}; 0 reports utilization 0.
 *     Only reported, never spent.
 */
public record DemoBackendConfig(String name, HostPort listen, double costMillis) {

    public static final String DEFAULT_LISTEN = "127.0.0.1:8001";
    public static final String DEFAULT_COST_MILLIS = "0";

    public DemoBackendConfig {
        Checks.checkId("name", name);
        Checks.check(listen != null, "listen", null, "host:port with port 1..65535");
        Checks.check(Double.isFinite(costMillis) && costMillis >= 0, "cost-millis", costMillis, "a number >= 0");
    }

    /** A backend without simulated cost: its load reports carry qps and utilization 0. */
    public DemoBackendConfig(String name, HostPort listen) {
        this(name, listen, 0);
    }
}
