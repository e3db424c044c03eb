package io.ballast.launcher.logging;

import ch.qos.logback.core.PropertyDefinerBase;
import java.util.Locale;

/**
 * Picks the appender of {@code logback.xml} from the environment variable
 * {@value #VARIABLE}: {@code json} selects the one with Logback's {@code JsonEncoder}, anything
 * else (or nothing) the text one. A definer instead of {@code <if>}: that needs Janino, and an
 * unknown value must not leave a process without logs.
 *
 * <p>Runs once, when Logback configures itself.
 */
public final class LogFormat extends PropertyDefinerBase {

    public static final String VARIABLE = "BALLAST_LOG_FORMAT";

    @Override
    public String getPropertyValue() {
        return of(System.getenv(VARIABLE));
    }

    /** {@code "json"} for {@code json} (any case, trimmed), else {@code "text"}. */
    static String of(String value) {
        return value != null && value.strip().toLowerCase(Locale.ROOT).equals("json") ? "json" : "text";
    }
}
