package io.ballast.common.config;

import java.util.regex.Pattern;

/**
 * Argument validation in one message style: {@code weight: -3 (expected: 0..10000)}.
 * Every check throws {@link IllegalArgumentException} naming the field, the value and
 * what was expected; callers at the edges (CLI, gRPC) turn that into their own error.
 */
public final class Checks {

    /** Service and cluster names. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    /** Endpoint, node and replica ids. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public static final int MAX_WEIGHT = 10_000;

    private Checks() {}

    public static String message(String field, Object value, String expected) {
        return field + ": " + render(value) + " (expected: " + expected + ")";
    }

    public static void check(boolean ok, String field, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(message(field, value, expected));
        }
    }

    public static int checkRange(String field, long value, long min, long max) {
        check(value >= min && value <= max, field, value, min + ".." + max);
        return (int) value;
    }

    public static long checkPositive(String field, long value) {
        check(value > 0, field, value, "> 0");
        return value;
    }

    public static String checkName(String field, String value) {
        check(value != null && NAME.matcher(value).matches(), field, value, NAME.pattern());
        return value;
    }

    public static String checkId(String field, String value) {
        check(value != null && ID.matcher(value).matches(), field, value, ID.pattern());
        return value;
    }

    public static int checkPort(String field, int value) {
        return checkRange(field, value, 1, 65_535);
    }

    public static int checkWeight(String field, long value) {
        return checkRange(field, value, 0, MAX_WEIGHT);
    }

    public static String checkNotBlank(String field, String value) {
        check(value != null && !value.isBlank(), field, value, "a non-empty string");
        return value;
    }

    private static String render(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof CharSequence) {
            return "\"" + value + "\"";
        }
        return String.valueOf(value);
    }
}
