package io.ballast.common.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON encoding of the payloads Ballast stores in ZooKeeper. Unknown properties are
 * ignored on read so that an older reader accepts a newer writer's payload.
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private Json() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Decodes {@code bytes}.
     *
     * @throws IllegalArgumentException naming {@code what} when the bytes are not a valid payload
     */
    public static <T> T read(byte[] bytes, Class<T> type, String what) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException(what + ": empty payload (expected: a JSON " + type.getSimpleName() + ")");
        }
        try {
            return MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new IllegalArgumentException(what + ": invalid payload (expected: a JSON " + type.getSimpleName() + "; " + reason + ")");
        }
    }
}
