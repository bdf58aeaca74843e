package dev.anvillm.ninep.proto;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Builds frames byte by byte, little-endian, so tests can write what the encoder never would.
 * {@link #build()} fills in size[4] from the real length unless {@link #size} set one.
 */
final class Frame {
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private Long size;

    private Frame(int type, int tag) {
        u8(type);
        u16(tag);
    }

    static Frame of(int type, int tag) {
        return new Frame(type, tag);
    }

    /** Overrides size[4] with a value that need not match the frame. */
    Frame size(long size) {
        this.size = size;
        return this;
    }

    Frame u8(int v) {
        body.write(v);
        return this;
    }

    Frame u16(int v) {
        return u8(v).u8(v >>> 8);
    }

    Frame u32(int v) {
        return u16(v).u16(v >>> 16);
    }

    Frame u64(long v) {
        return u32((int) v).u32((int) (v >>> 32));
    }

    Frame str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u16(b.length).bytes(b);
    }

    /** A string made of raw bytes, with the given length prefix. */
    Frame rawStr(int length, byte... b) {
        return u16(length).bytes(b);
    }

    Frame qid(Qid q) {
        return u8(q.type()).u32(q.version()).u64(q.path());
    }

    Frame bytes(byte... b) {
        body.writeBytes(b);
        return this;
    }

    byte[] build() {
        byte[] b = body.toByteArray();
        long n = size != null ? size : 4L + b.length;
        byte[] out = new byte[4 + b.length];
        out[0] = (byte) n;
        out[1] = (byte) (n >>> 8);
        out[2] = (byte) (n >>> 16);
        out[3] = (byte) (n >>> 24);
        System.arraycopy(b, 0, out, 4, b.length);
        return out;
    }

    /** "13 00 00 00 64" → bytes; spaces are ignored. */
    static byte[] hex(String spaced) {
        return HexFormat.of().parseHex(spaced.replace(" ", ""));
    }

    static String hex(byte[] b) {
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }
}
