package io.ballast.bench.controlplane;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * What a simulated node needs from one serialized {@code ServerMessage}, read straight from its
 * wire bytes without building the {@code Snapshot}: the nonce to ACK, epoch and version, whether it
 * is a delta (and onto which version), and its size. The content is decoded once per version for
 * the whole fleet ({@link SnapshotModels}); decoding 200 copies of a 10,000-endpoint snapshot per
 * change would otherwise cost the benchmark more CPU than the leader spends.
 *
 * @param redirect true for a {@code Redirect} (then only {@code bytes} is meaningful)
 * @param baseVersion the version a delta applies to; -1 for a full snapshot
 * @param bytes serialized size of the whole {@code ServerMessage}, as the leader's marshaller wrote it
 */
record PushShape(boolean redirect, String nonce, long epoch, long version, boolean delta, long baseVersion, int bytes) {

    // Field numbers of ballast.v1 ServerMessage, SnapshotPush, Snapshot and SnapshotDelta (control.proto, snapshot.proto).
    private static final int SERVER_SNAPSHOT = 1;
    private static final int SERVER_REDIRECT = 2;
    private static final int PUSH_NONCE = 1;
    private static final int PUSH_SNAPSHOT = 2;
    private static final int PUSH_DELTA = 3;
    // Snapshot and SnapshotDelta both number epoch 1 and version 2; a delta adds base_version 3.
    private static final int EPOCH = 1;
    private static final int VERSION = 2;
    private static final int BASE_VERSION = 3;

    /** Any thread. Throws {@link IOException} when the bytes are not a ServerMessage. */
    static PushShape decode(byte[] message) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(message);
        Builder shape = new Builder();
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == SERVER_SNAPSHOT && isLength(tag)) {
                int limit = in.pushLimit(in.readRawVarint32());
                push(in, shape);
                in.popLimit(limit);
            } else if (field == SERVER_REDIRECT) {
                shape.redirect = true;
                in.skipField(tag);
            } else {
                in.skipField(tag);
            }
        }
        return new PushShape(shape.redirect, shape.nonce, shape.epoch, shape.version, shape.delta, shape.baseVersion,
                message.length);
    }

    private static void push(CodedInputStream in, Builder shape) throws IOException {
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == PUSH_NONCE && isLength(tag)) {
                shape.nonce = in.readStringRequireUtf8();
            } else if ((field == PUSH_SNAPSHOT || field == PUSH_DELTA) && isLength(tag)) {
                shape.delta = field == PUSH_DELTA;
                int limit = in.pushLimit(in.readRawVarint32());
                header(in, shape);
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
    }

    private static void header(CodedInputStream in, Builder shape) throws IOException {
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == EPOCH) {
                shape.epoch = in.readUInt64();
            } else if (field == VERSION) {
                shape.version = in.readUInt64();
            } else if (shape.delta && field == BASE_VERSION) {
                shape.baseVersion = in.readUInt64();
            } else {
                in.skipField(tag); // a length-delimited field is skipped in O(1)
            }
        }
    }

    private static boolean isLength(int tag) {
        return WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    private static final class Builder {
        boolean redirect;
        String nonce = "";
        long epoch;
        long version;
        boolean delta;
        long baseVersion = -1;
    }
}
