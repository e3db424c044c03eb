package io.ballast.node.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.ballast.common.json.Json;
import io.ballast.node.snapshot.AppliedState;

/**
 * The body of {@code GET /snapshot}: the applied snapshot in the canonical proto3 JSON mapping
 * ({@link JsonFormat}), with every field present even at its default (so a weight of 0 shows as
 * {@code 0}, not as a missing field), plus an {@code "applied"} object:
 *
 * <pre>{@code
 * {
 *   "epoch": "5", "version": "7", "computedAtUnixMillis": "...",
 *   "services": [ { "name": "web", "policy": {...},
 *                   "endpoints": [ { "id": "web-1", "host": "...", "port": 8081, "weight": 100, "state": "ACTIVE", ... } ] } ],
 *   "routes": [...], "defaultService": "web",
 *   "applied": { "epoch": 5, "version": 7, "highestEpochSeen": 5, "lastError": "" }
 * }
 * }</pre>
 *
 * <p>Field names are JsonFormat's lowerCamelCase ({@code defaultService}, {@code pathPrefix}).
 * As the proto3 JSON mapping requires, 64-bit integers of the snapshot ({@code epoch},
 * {@code version}, {@code computedAtUnixMillis}) are JSON strings and enums are their names;
 * the {@code "applied"} object carries epoch and version as JSON numbers for convenience.
 * Before the first snapshot only {@code "applied"} is present.
 */
final class SnapshotJson {

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().includingDefaultValueFields();

    private SnapshotJson() {}

    static String render(AppliedState state) {
        try {
            ObjectNode root = state.hasSnapshot()
                    ? (ObjectNode) Json.mapper().readTree(PRINTER.print(state.snapshot()))
                    : Json.mapper().createObjectNode();
            ObjectNode applied = root.putObject("applied");
            applied.put("epoch", state.epoch());
            applied.put("version", state.version());
            applied.put("highestEpochSeen", state.highestEpochSeen());
            applied.put("lastError", state.lastError());
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            // Cannot happen for a message of our own schema; the admin server answers 500.
            throw new IllegalStateException("cannot render the snapshot as JSON", e);
        }
    }
}
