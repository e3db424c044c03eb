package io.ballast.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One scrape of a Prometheus text endpoint ({@code GET http://<address>/metrics}), parsed into
 * series, for tests: {@code Scrape.of(address).value("ballast_node_requests_total", "service", "web",
 * "status_class", "2xx")}. Comment lines are skipped; label values are unescaped.
 */
public final class Scrape {

    /** One sample line: its name, labels and value. */
    public record Series(String name, Map<String, String> labels, double value) {}

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final int status;
    private final String contentType;
    private final String body;
    private final List<Series> series;

    private Scrape(int status, String contentType, String body) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
        this.series = parse(body);
    }

    /** GETs {@code /metrics} on {@code address} (loopback when it is the wildcard address). */
    public static Scrape of(InetSocketAddress address) {
        String host = address.getAddress() == null || address.getAddress().isAnyLocalAddress()
                ? "127.0.0.1" : address.getAddress().getHostAddress();
        return of(URI.create("http://" + host + ":" + address.getPort() + "/metrics"));
    }

    public static Scrape of(URI uri) {
        try {
            HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Scrape(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Parses a scrape's text (for tests that have the text already). */
    public static Scrape parseText(String text) {
        return new Scrape(200, "", text);
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    public String body() {
        return body;
    }

    /** Every series named {@code name} whose labels include the given {@code key, value} pairs. */
    public List<Series> find(String name, String... labelPairs) {
        if (labelPairs.length % 2 != 0) {
            throw new IllegalArgumentException("labelPairs: " + labelPairs.length + " strings (expected: key, value pairs)");
        }
        List<Series> matches = new ArrayList<>();
        for (Series s : series) {
            if (!s.name().equals(name)) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < labelPairs.length && all; i += 2) {
                all = labelPairs[i + 1].equals(s.labels().get(labelPairs[i]));
            }
            if (all) {
                matches.add(s);
            }
        }
        return matches;
    }

    /**
     * The value of the one series named {@code name} with these labels.
     *
     * @throws AssertionError when none or several match, listing the series of that name
     */
    public double value(String name, String... labelPairs) {
        List<Series> matches = find(name, labelPairs);
        if (matches.size() != 1) {
            throw new AssertionError(matches.size() + " series " + name + " with labels " + List.of(labelPairs)
                    + " (expected: exactly one); series of that name: " + find(name));
        }
        return matches.get(0).value();
    }

    /** Whether some series named {@code name} has these labels. */
    public boolean has(String name, String... labelPairs) {
        return !find(name, labelPairs).isEmpty();
    }

    private static List<Series> parse(String text) {
        List<Series> result = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            Map<String, String> labels = new LinkedHashMap<>();
            String name;
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                parseLabels(line.substring(brace + 1, line.lastIndexOf('}')), labels);
            } else {
                name = line.substring(0, line.indexOf(' '));
            }
            result.add(new Series(name, Map.copyOf(labels), parseValue(line.substring(space + 1).trim())));
        }
        return result;
    }

    private static void parseLabels(String text, Map<String, String> labels) {
        int i = 0;
        while (i < text.length()) {
            int eq = text.indexOf('=', i);
            String key = text.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 2; // past ="
            while (text.charAt(j) != '"') {
                char c = text.charAt(j);
                if (c == '\\') {
                    char next = text.charAt(++j);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(c);
                }
                j++;
            }
            labels.put(key, value.toString());
            i = j + 1;
            while (i < text.length() && (text.charAt(i) == ',' || text.charAt(i) == ' ')) {
                i++;
            }
        }
    }

    private static double parseValue(String value) {
        return switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(value);
        };
    }
}
