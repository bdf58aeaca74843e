package dev.anvillm.ninep.proto;

import dev.anvillm.ninep.proto.Message.*;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The one 9P2000 codec: a whole frame (size[4] included) into a {@link Message} and back.
 * Decoding never throws anything but {@link DecodeException}; every field is bounds-checked
 * against the frame.
 */
public final class Codec {
    /** size[4] type[1] tag[2]. */
    public static final int HEADER = 7;
    /** Rread/Twrite header overhead: size type tag fid/count offset count. IOHDRSZ in Plan 9. */
    public static final int IOHDRSZ = 24;

    private Codec() {}

    /**
     * Bytes {@code s} takes on the wire, its size[2] included. Counted the way {@link #putString}
     * writes it: an unpaired surrogate, which UTF-8 cannot carry, becomes one '?' byte.
     */
    public static int stringSize(String s) {
        return 2 + ByteBufUtil.utf8Bytes(s);
    }

    // ---- encoding ----------------------------------------------------------------------------

    /** Encodes {@code m} as one frame into a new heap buffer. */
    public static byte[] encode(Message m) {
        ByteBuf buf = Unpooled.buffer(64);
        try {
            encode(m, buf);
            byte[] out = new byte[buf.readableBytes()];
            buf.readBytes(out);
            return out;
        } finally {
            buf.release();
        }
    }

    /**
     * Appends {@code m} as one frame (size[4] first) to {@code out}. A message that cannot be
     * encoded (a string or stat too long for its 16-bit size) throws IllegalArgumentException
     * and leaves {@code out} as it was.
     */
    public static void encode(Message m, ByteBuf out) {
        int start = out.writerIndex();
        try {
            encodeBody(m, out);
        } catch (RuntimeException e) {
            out.writerIndex(start);
            throw e;
        }
    }

    private static void encodeBody(Message m, ByteBuf out) {
        int start = out.writerIndex();
        out.writeIntLE(0);
        out.writeByte(m.type());
        out.writeShortLE(m.tag());
        switch (m) {
            case Tversion v -> { out.writeIntLE(v.msize()); putString(out, v.version()); }
            case Rversion v -> { out.writeIntLE(v.msize()); putString(out, v.version()); }
            case Tauth a -> { out.writeIntLE(a.afid()); putString(out, a.uname()); putString(out, a.aname()); }
            case Rauth a -> putQid(out, a.aqid());
            case Tattach a -> {
                out.writeIntLE(a.fid()); out.writeIntLE(a.afid());
                putString(out, a.uname()); putString(out, a.aname());
            }
            case Rattach a -> putQid(out, a.qid());
            case Rerror e -> putString(out, e.ename());
            case Tflush f -> out.writeShortLE(f.oldtag());
            case Rflush f -> { }
            case Twalk w -> {
                out.writeIntLE(w.fid()); out.writeIntLE(w.newfid());
                out.writeShortLE(w.names().size());
                for (String n : w.names()) putString(out, n);
            }
            case Rwalk w -> {
                out.writeShortLE(w.qids().size());
                for (Qid q : w.qids()) putQid(out, q);
            }
            case Topen o -> { out.writeIntLE(o.fid()); out.writeByte(o.mode()); }
            case Ropen o -> { putQid(out, o.qid()); out.writeIntLE(o.iounit()); }
            case Tcreate c -> {
                out.writeIntLE(c.fid()); putString(out, c.name()); out.writeIntLE(c.perm()); out.writeByte(c.mode());
            }
            case Rcreate c -> { putQid(out, c.qid()); out.writeIntLE(c.iounit()); }
            case Tread r -> { out.writeIntLE(r.fid()); out.writeLongLE(r.offset()); out.writeIntLE(r.count()); }
            case Rread r -> { out.writeIntLE(r.data().length); out.writeBytes(r.data()); }
            case Twrite w -> {
                out.writeIntLE(w.fid()); out.writeLongLE(w.offset());
                out.writeIntLE(w.data().length); out.writeBytes(w.data());
            }
            case Rwrite w -> out.writeIntLE(w.count());
            case Tclunk c -> out.writeIntLE(c.fid());
            case Rclunk c -> { }
            case Tremove r -> out.writeIntLE(r.fid());
            case Rremove r -> { }
            case Tstat s -> out.writeIntLE(s.fid());
            case Rstat s -> putStatWithOuterSize(out, s.stat());
            case Twstat s -> { out.writeIntLE(s.fid()); putStatWithOuterSize(out, s.stat()); }
            case Rwstat s -> { }
        }
        out.setIntLE(start, out.writerIndex() - start);
    }

    public static void putString(ByteBuf out, String s) {
        int n = ByteBufUtil.utf8Bytes(s);
        if (n > 0xffff) throw new IllegalArgumentException("9P string of " + n + " bytes; at most 65535 fit");
        out.writeShortLE(n);
        out.writeCharSequence(s, StandardCharsets.UTF_8);
    }

    public static void putQid(ByteBuf out, Qid q) {
        out.writeByte(q.type());
        out.writeIntLE(q.version());
        out.writeLongLE(q.path());
    }

    /** Writes one directory entry, its own size[2] first. */
    public static void putStat(ByteBuf out, Stat s) {
        int size = s.wireSize() - 2;
        if (size > 0xffff) throw new IllegalArgumentException("stat entry of " + size + " bytes; at most 65535 fit");
        out.writeShortLE(size);
        out.writeShortLE(s.type());
        out.writeIntLE(s.dev());
        putQid(out, s.qid());
        out.writeIntLE(s.mode());
        out.writeIntLE((int) s.atime());
        out.writeIntLE((int) s.mtime());
        out.writeLongLE(s.length());
        putString(out, s.name());
        putString(out, s.uid());
        putString(out, s.gid());
        putString(out, s.muid());
    }

    /** Rstat and Twstat carry the entry behind a second size[2] that counts the entry's own. */
    private static void putStatWithOuterSize(ByteBuf out, Stat s) {
        int n = s.wireSize();
        if (n > 0xffff) throw new IllegalArgumentException("stat of " + n + " bytes; at most 65535 fit in Rstat/Twstat");
        out.writeShortLE(n);
        putStat(out, s);
    }

    public static byte[] encodeStat(Stat s) {
        ByteBuf buf = Unpooled.buffer(s.wireSize());
        try {
            putStat(buf, s);
            byte[] out = new byte[buf.readableBytes()];
            buf.readBytes(out);
            return out;
        } finally {
            buf.release();
        }
    }

    // ---- decoding ----------------------------------------------------------------------------

    public static Message decode(byte[] frame) throws DecodeException {
        return decode(Unpooled.wrappedBuffer(frame));
    }

    /**
     * Decodes exactly one frame: {@code frame}'s readable bytes must be the whole message, size
     * field included. The reader index is advanced past what was consumed.
     */
    public static Message decode(ByteBuf frame) throws DecodeException {
        int avail = frame.readableBytes();
        if (avail < HEADER) throw new DecodeException("short frame: " + avail + " bytes, a message needs at least 7");
        long size = frame.readUnsignedIntLE();
        if (size > avail) throw new DecodeException("size field " + size + " larger than the frame (" + avail + " bytes)");
        if (size < HEADER) throw new DecodeException("size field " + size + " smaller than a message header");
        if (size < avail) throw new DecodeException("size field " + size + " smaller than the frame (" + avail + " bytes)");
        int type = frame.readUnsignedByte();
        int tag = frame.readUnsignedShortLE();
        Reader r = new Reader(frame);
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
        if (frame.isReadable()) {
            throw new DecodeException(frame.readableBytes() + " trailing bytes after " + m.getClass().getSimpleName());
        }
        return m;
    }

    /** Decodes one directory entry (its size[2] first) from {@code buf}. */
    public static Stat decodeStat(ByteBuf buf) throws DecodeException {
        return new Reader(buf).stat();
    }

    /** Decodes the concatenated directory entries of a directory read. */
    public static List<Stat> decodeStats(byte[] data) throws DecodeException {
        ByteBuf buf = Unpooled.wrappedBuffer(data);
        List<Stat> out = new ArrayList<>();
        while (buf.isReadable()) out.add(decodeStat(buf));
        return out;
    }

    private static final class Reader {
        private final ByteBuf b;

        Reader(ByteBuf b) { this.b = b; }

        private void need(int n, String what) throws DecodeException {
            if (b.readableBytes() < n) {
                throw new DecodeException(what + " runs past the end of the frame");
            }
        }

        int u8() throws DecodeException { need(1, "field"); return b.readUnsignedByte(); }
        int u16() throws DecodeException { need(2, "field"); return b.readUnsignedShortLE(); }
        int u32() throws DecodeException { need(4, "field"); return b.readIntLE(); }
        long u64() throws DecodeException { need(8, "field"); return b.readLongLE(); }

        Qid qid() throws DecodeException {
            need(13, "qid");
            return new Qid(b.readUnsignedByte(), b.readIntLE(), b.readLongLE());
        }

        byte[] bytes(int count) throws DecodeException {
            if (count < 0 || count > b.readableBytes()) {
                throw new DecodeException("data count " + Integer.toUnsignedString(count) + " runs past the end of the frame");
            }
            byte[] data = new byte[count];
            b.readBytes(data);
            return data;
        }

        String str() throws DecodeException {
            int len = u16();
            need(len, "string");
            ByteBuffer nio = b.nioBuffer(b.readerIndex(), len);
            b.skipBytes(len);
            CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            try {
                CharBuffer cb = dec.decode(nio);
                return cb.toString();
            } catch (CharacterCodingException e) {
                throw new DecodeException("invalid UTF-8 in string");
            }
        }

        Stat stat() throws DecodeException {
            int size = u16();
            need(size, "stat");
            int end = b.readerIndex() + size;
            int type = u16(), dev = u32();
            Qid qid = qid();
            int mode = u32();
            long atime = Integer.toUnsignedLong(u32()), mtime = Integer.toUnsignedLong(u32());
            long length = u64();
            String name = str(), uid = str(), gid = str(), muid = str();
            if (b.readerIndex() != end) {
                throw new DecodeException("stat size field " + size + " disagrees with its contents");
            }
            return new Stat(type, dev, qid, mode, atime, mtime, length, name, uid, gid, muid);
        }

        Stat statWithOuterSize() throws DecodeException {
            int n = u16();
            need(n, "stat");
            int before = b.readerIndex();
            Stat s = stat();
            if (b.readerIndex() - before != n) throw new DecodeException("stat length " + n + " disagrees with its entry");
            return s;
        }
    }
}
