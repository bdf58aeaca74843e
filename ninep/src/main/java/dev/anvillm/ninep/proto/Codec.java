package dev.anvillm.ninep.proto;

import dev.anvillm.ninep.proto.Message.*;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one 9P2000 codec: a whole frame (size[4] included) into a {@link Message} and back.
 * Decoding never throws anything but {@link DecodeException}; every field is bounds-checked
 * against the frame.
 *
 * <p>Plain byte arrays, no Netty: the one-shot {@code 9p} command and every front-end use it
 * without loading Netty (its static set-up cost a 9p call 40 ms); the server hands it the bytes
 * of each frame.
 */
public final class Codec {
    /** size[4] type[1] tag[2]. */
    public static final int HEADER = 7;
    /** Rread/Twrite header overhead: size type tag fid/count offset count. IOHDRSZ in Plan 9. */
    public static final int IOHDRSZ = 24;

    private Codec() {}

    /**
     * Bytes {@code s} takes on the wire, its size[2] included. Counted the way {@link Writer#str}
     * writes it: an unpaired surrogate, which UTF-8 cannot carry, becomes one '?' byte.
     */
    public static int stringSize(String s) {
        int n = s.length(), bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) continue;
            if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 2; // four bytes for the two chars
                i++;
            } else if (!Character.isSurrogate(c)) {
                bytes += 2;
            }
        }
        return 2 + bytes;
    }

    // ---- encoding ----------------------------------------------------------------------------

    /**
     * Encodes {@code m} as one frame, size[4] first. A message that cannot be encoded (a string
     * or stat too long for its 16-bit size) throws IllegalArgumentException.
     */
    public static byte[] encode(Message m) {
        Writer out = new Writer(64 + switch (m.type()) {
            case 117 -> ((Rread) m).data().length;
            case 118 -> ((Twrite) m).data().length;
            default -> 0;
        });
        out.u32(0);
        out.u8(m.type());
        out.u16(m.tag());
        // on the type byte, not on the record's class: a pattern switch costs every process that
        // encodes its first message a method-handle bootstrap (about 10 ms)
        switch (m.type()) {
            case 100 -> { var v = (Tversion) m; out.u32(v.msize()); out.str(v.version()); }
            case 101 -> { var v = (Rversion) m; out.u32(v.msize()); out.str(v.version()); }
            case 102 -> { var a = (Tauth) m; out.u32(a.afid()); out.str(a.uname()); out.str(a.aname()); }
            case 103 -> out.qid(((Rauth) m).aqid());
            case 104 -> {
                var a = (Tattach) m;
                out.u32(a.fid()); out.u32(a.afid()); out.str(a.uname()); out.str(a.aname());
            }
            case 105 -> out.qid(((Rattach) m).qid());
            case 107 -> out.str(((Rerror) m).ename());
            case 108 -> out.u16(((Tflush) m).oldtag());
            case 109, 121, 123, 127 -> { }
            case 110 -> {
                var w = (Twalk) m;
                out.u32(w.fid()); out.u32(w.newfid()); out.u16(w.names().size());
                for (String n : w.names()) out.str(n);
            }
            case 111 -> {
                var w = (Rwalk) m;
                out.u16(w.qids().size());
                for (Qid q : w.qids()) out.qid(q);
            }
            case 112 -> { var o = (Topen) m; out.u32(o.fid()); out.u8(o.mode()); }
            case 113 -> { var o = (Ropen) m; out.qid(o.qid()); out.u32(o.iounit()); }
            case 114 -> {
                var c = (Tcreate) m;
                out.u32(c.fid()); out.str(c.name()); out.u32(c.perm()); out.u8(c.mode());
            }
            case 115 -> { var c = (Rcreate) m; out.qid(c.qid()); out.u32(c.iounit()); }
            case 116 -> { var r = (Tread) m; out.u32(r.fid()); out.u64(r.offset()); out.u32(r.count()); }
            case 117 -> { var r = (Rread) m; out.u32(r.data().length); out.bytes(r.data()); }
            case 118 -> {
                var w = (Twrite) m;
                out.u32(w.fid()); out.u64(w.offset()); out.u32(w.data().length); out.bytes(w.data());
            }
            case 119 -> out.u32(((Rwrite) m).count());
            case 120 -> out.u32(((Tclunk) m).fid());
            case 122 -> out.u32(((Tremove) m).fid());
            case 124 -> out.u32(((Tstat) m).fid());
            case 125 -> out.statWithOuterSize(((Rstat) m).stat());
            case 126 -> { var s = (Twstat) m; out.u32(s.fid()); out.statWithOuterSize(s.stat()); }
            default -> throw new IllegalArgumentException("no 9P2000 message has type " + m.type());
        }
        out.setU32(0, out.n);
        return out.done();
    }

    /** One directory entry, its own size[2] first, as a directory read carries it. */
    public static byte[] encodeStat(Stat s) {
        Writer out = new Writer(s.wireSize());
        out.stat(s);
        return out.done();
    }

    /** A growing little-endian byte array. */
    private static final class Writer {
        private byte[] a;
        private int n;

        Writer(int capacity) { a = new byte[capacity]; }

        private void room(int more) {
            if (n + more > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + more));
        }

        void u8(int v) { room(1); a[n++] = (byte) v; }
        void u16(int v) { room(2); a[n++] = (byte) v; a[n++] = (byte) (v >>> 8); }
        void u32(int v) { room(4); setU32(n, v); n += 4; }
        void u64(long v) { u32((int) v); u32((int) (v >>> 32)); }

        void setU32(int at, int v) {
            a[at] = (byte) v; a[at + 1] = (byte) (v >>> 8); a[at + 2] = (byte) (v >>> 16); a[at + 3] = (byte) (v >>> 24);
        }

        void bytes(byte[] b) { room(b.length); System.arraycopy(b, 0, a, n, b.length); n += b.length; }

        /** String.getBytes writes an unpaired surrogate as '?', as {@link #stringSize} counts it. */
        void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > 0xffff) throw new IllegalArgumentException("9P string of " + b.length + " bytes; at most 65535 fit");
            u16(b.length);
            bytes(b);
        }

        void qid(Qid q) { u8(q.type()); u32(q.version()); u64(q.path()); }

        void stat(Stat s) {
            int size = s.wireSize() - 2;
            if (size > 0xffff) throw new IllegalArgumentException("stat entry of " + size + " bytes; at most 65535 fit");
            u16(size);
            u16(s.type());
            u32(s.dev());
            qid(s.qid());
            u32(s.mode());
            u32((int) s.atime());
            u32((int) s.mtime());
            u64(s.length());
            str(s.name());
            str(s.uid());
            str(s.gid());
            str(s.muid());
        }

        /** Rstat and Twstat carry the entry behind a second size[2] that counts the entry's own. */
        void statWithOuterSize(Stat s) {
            int size = s.wireSize();
            if (size > 0xffff) throw new IllegalArgumentException("stat of " + size + " bytes; at most 65535 fit in Rstat/Twstat");
            u16(size);
            stat(s);
        }

        byte[] done() { return n == a.length ? a : Arrays.copyOf(a, n); }
    }

    // ---- decoding ----------------------------------------------------------------------------

    /** Decodes exactly one frame: {@code frame} must be the whole message, size field included. */
    public static Message decode(byte[] frame) throws DecodeException {
        Reader r = new Reader(frame);
        int avail = frame.length;
        if (avail < HEADER) throw new DecodeException("short frame: " + avail + " bytes, a message needs at least 7");
        long size = Integer.toUnsignedLong(r.u32());
        if (size > avail) throw new DecodeException("size field " + size + " larger than the frame (" + avail + " bytes)");
        if (size < HEADER) throw new DecodeException("size field " + size + " smaller than a message header");
        if (size < avail) throw new DecodeException("size field " + size + " smaller than the frame (" + avail + " bytes)");
        int type = r.u8();
        int tag = r.u16();
        Message m = switch (type) {
            case 100 -> {
                if (tag != Message.NOTAG) throw new DecodeException("Tversion tag must be NOTAG (0xffff), got " + tag);
                yield new Tversion(tag, r.u32(), r.str());
            }
            case 101 -> new Rversion(tag, r.u32(), r.str());
            case 102 -> new Tauth(tag, r.u32(), r.str(), r.str());
            case 103 -> new Rauth(tag, r.qid());
            case 104 -> new Tattach(tag, r.u32(), r.u32(), r.str(), r.str());
            case 105 -> new Rattach(tag, r.qid());
            case 107 -> new Rerror(tag, r.str());
            case 108 -> new Tflush(tag, r.u16());
            case 109 -> new Rflush(tag);
            case 110 -> {
                int fid = r.u32(), newfid = r.u32(), n = r.u16();
                if (n > Message.MAXWELEM) throw new DecodeException("walk of " + n + " names; at most 16 are allowed");
                List<String> names = new ArrayList<>(n);
                for (int i = 0; i < n; i++) names.add(r.str());
                yield new Twalk(tag, fid, newfid, names);
            }
            case 111 -> {
                int n = r.u16();
                if (n > Message.MAXWELEM) throw new DecodeException("walk reply of " + n + " qids; at most 16 are allowed");
                List<Qid> qids = new ArrayList<>(n);
                for (int i = 0; i < n; i++) qids.add(r.qid());
                yield new Rwalk(tag, qids);
            }
            case 112 -> new Topen(tag, r.u32(), r.u8());
            case 113 -> new Ropen(tag, r.qid(), r.u32());
            case 114 -> new Tcreate(tag, r.u32(), r.str(), r.u32(), r.u8());
            case 115 -> new Rcreate(tag, r.qid(), r.u32());
            case 116 -> new Tread(tag, r.u32(), r.u64(), r.u32());
            case 117 -> new Rread(tag, r.bytes(r.u32()));
            case 118 -> {
                int fid = r.u32();
                long offset = r.u64();
                yield new Twrite(tag, fid, offset, r.bytes(r.u32()));
            }
            case 119 -> new Rwrite(tag, r.u32());
            case 120 -> new Tclunk(tag, r.u32());
            case 121 -> new Rclunk(tag);
            case 122 -> new Tremove(tag, r.u32());
            case 123 -> new Rremove(tag);
            case 124 -> new Tstat(tag, r.u32());
            case 125 -> new Rstat(tag, r.statWithOuterSize());
            case 126 -> {
                int fid = r.u32();
                yield new Twstat(tag, fid, r.statWithOuterSize());
            }
            case 127 -> new Rwstat(tag);
            default -> throw new DecodeException("unknown message type " + type);
        };
        if (r.remaining() > 0) {
            throw new DecodeException(r.remaining() + " trailing bytes after " + m.getClass().getSimpleName());
        }
        return m;
    }

    /** Decodes the concatenated directory entries of a directory read. */
    public static List<Stat> decodeStats(byte[] data) throws DecodeException {
        Reader r = new Reader(data);
        List<Stat> out = new ArrayList<>();
        while (r.remaining() > 0) out.add(r.stat());
        return out;
    }

    /** Little-endian fields of a byte array, each checked against its end. */
    private static final class Reader {
        private final byte[] a;
        private int at;

        Reader(byte[] a) { this.a = a; }

        int remaining() { return a.length - at; }

        private void need(int n, String what) throws DecodeException {
            if (remaining() < n) throw new DecodeException(what + " runs past the end of the frame");
        }

        int u8() throws DecodeException { need(1, "field"); return a[at++] & 0xff; }

        int u16() throws DecodeException {
            need(2, "field");
            int v = (a[at] & 0xff) | (a[at + 1] & 0xff) << 8;
            at += 2;
            return v;
        }

        int u32() throws DecodeException {
            need(4, "field");
            int v = (a[at] & 0xff) | (a[at + 1] & 0xff) << 8 | (a[at + 2] & 0xff) << 16 | (a[at + 3] & 0xff) << 24;
            at += 4;
            return v;
        }

        long u64() throws DecodeException {
            need(8, "field");
            long lo = Integer.toUnsignedLong(u32());
            return lo | (long) u32() << 32;
        }

        Qid qid() throws DecodeException {
            need(13, "qid");
            return new Qid(u8(), u32(), u64());
        }

        byte[] bytes(int count) throws DecodeException {
            if (count < 0 || count > remaining()) {
                throw new DecodeException("data count " + Integer.toUnsignedString(count) + " runs past the end of the frame");
            }
            byte[] data = Arrays.copyOfRange(a, at, at + count);
            at += count;
            return data;
        }

        String str() throws DecodeException {
            int len = u16();
            need(len, "string");
            CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            try {
                CharBuffer cb = dec.decode(ByteBuffer.wrap(a, at, len));
                at += len;
                return cb.toString();
            } catch (CharacterCodingException e) {
                throw new DecodeException("invalid UTF-8 in string");
            }
        }

        Stat stat() throws DecodeException {
            int size = u16();
            need(size, "stat");
            int end = at + size;
            int type = u16(), dev = u32();
            Qid qid = qid();
            int mode = u32();
            long atime = Integer.toUnsignedLong(u32()), mtime = Integer.toUnsignedLong(u32());
            long length = u64();
            String name = str(), uid = str(), gid = str(), muid = str();
            if (at != end) {
                throw new DecodeException("stat size field " + size + " disagrees with its contents");
            }
            return new Stat(type, dev, qid, mode, atime, mtime, length, name, uid, gid, muid);
        }

        Stat statWithOuterSize() throws DecodeException {
            int n = u16();
            need(n, "stat");
            int before = at;
            Stat s = stat();
            if (at - before != n) throw new DecodeException("stat length " + n + " disagrees with its entry");
            return s;
        }
    }
}
