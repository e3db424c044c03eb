package io.ballast.launcher.demo;

import io.ballast.common.config.Checks;
import io.ballast.common.config.HostPort;

/**
 * Configuration of a demo backend.
 *
 * @param name the backend's name, first line of every answer ({@link Checks#ID})
 * @param listen address to listen on
 */
public record DemoBackendConfig(String name, HostPort listen) {

    public static final String DEFAULT_LISTEN = "127.0.0.1:8001";

    public DemoBackendConfig {
        Checks.checkId("name", name);
        Checks.check(listen != null, "listen", null, "host:port with port 1..65535");
    }
}
