package dev.anvillm.ninep.proto;

import dev.anvillm.ninep.proto.Message.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static dev.anvillm.ninep.proto.Message.NOFID;
import static dev.anvillm.ninep.proto.Message.NOTAG;

/**
 * Valid messages of every 9P2000 type, with the edge values a codec gets wrong: NOTAG, NOFID,
 * unsigned 32-bit values with the high bit set, 64-bit offsets, empty and multibyte strings,
 * 0 and 16 walk elements, empty data. The round-trip test checks each; the fuzzer mutates them.
 */
final class SampleMessages {
    static final int HIGH_BIT = 0x80000000;
    static final int U32_MAX = 0xffffffff;
    /** Two-, three- and four-byte UTF-8 sequences (the last a surrogate pair in Java). */
    static final String MULTIBYTE = "naïve ☃ 😀";

    private SampleMessages() {}

    static Qid dirQid() {
        return new Qid(Qid.QTDIR, 0, 1);
    }

    /** A stat with every field set to something other than zero, high bits included. */
    static Stat fullStat() {
        return new Stat(0xabcd, HIGH_BIT | 1, new Qid(Qid.QTDIR | Qid.QTAPPEND, 7, 0x8000000000000001L),
                Stat.DMDIR | Stat.DMAPPEND | Stat.DMEXCL | Stat.DMAUTH | Stat.DMTMP | 0755,
                0xffffffffL, 0x80000000L, Long.MAX_VALUE, MULTIBYTE, "glenda", "sys", "ünïcødé");
    }

    static Stat plainFile() {
        return new Stat(0, 0, new Qid(Qid.QTFILE, 3, 42), 0644, 1_700_000_000L, 1_700_000_001L, 19,
                "list", "me", "me", "me");
    }

    static List<String> sixteenNames() {
        List<String> names = new ArrayList<>(List.of("..", "", MULTIBYTE, "ctl"));
        while (names.size() < Message.MAXWELEM) names.add("d" + names.size());
        return names;
    }

    static List<Qid> sixteenQids() {
        return IntStream.range(0, Message.MAXWELEM)
                .mapToObj(i -> new Qid(i % 2 == 0 ? Qid.QTDIR : Qid.QTFILE, i, (long) i << 40 | i))
                .toList();
    }

    static byte[] allByteValues() {
        byte[] b = new byte[256];
        for (int i = 0; i < b.length; i++) b[i] = (byte) i;
        return b;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<Message> all() {
        Qid q = dirQid();
        Qid maxQid = new Qid(0xff, U32_MAX, -1L);
        return List.of(
                new Tversion(NOTAG, 8192, "9P2000"),
                new Tversion(NOTAG, U32_MAX, ""),
                new Tversion(NOTAG, HIGH_BIT, "9P2000.u"),
                new Rversion(NOTAG, 8192, "9P2000"),
                new Rversion(NOTAG, U32_MAX, "unknown"),
                new Tauth(0, NOFID, "glenda", ""),
                new Tauth(0xfffe, HIGH_BIT | 1, MULTIBYTE, "/"),
                new Rauth(1, new Qid(Qid.QTAUTH, 0, 0)),
                new Rauth(NOTAG, maxQid),
                new Tattach(0, 0, NOFID, "glenda", ""),
                new Tattach(NOTAG, HIGH_BIT, Integer.MAX_VALUE, "", MULTIBYTE),
                new Rattach(0, q),
                new Rattach(1, maxQid),
                new Rerror(0, "file does not exist"),
                new Rerror(NOTAG, ""),
                new Rerror(1, MULTIBYTE),
                new Tflush(1, 0),
                new Tflush(0, NOTAG),
                new Rflush(1),
                new Rflush(NOTAG),
                new Twalk(0, 0, 1, List.of()),
                new Twalk(0, 0, 0, List.of("ctl")),
                new Twalk(NOTAG, NOFID, HIGH_BIT, sixteenNames()),
                new Rwalk(0, List.of()),
                new Rwalk(0, List.of(q)),
                new Rwalk(1, sixteenQids()),
                new Topen(0, 1, OpenMode.OREAD),
                new Topen(0, 1, OpenMode.OWRITE | OpenMode.OTRUNC),
                new Topen(NOTAG, NOFID, 0xff),
                new Ropen(0, q, 0),
                new Ropen(1, maxQid, U32_MAX),
                new Tcreate(0, 1, "new", 0644, OpenMode.OWRITE),
                new Tcreate(NOTAG, HIGH_BIT, MULTIBYTE, Stat.DMDIR | 0755, 0xff),
                new Rcreate(0, q, 0),
                new Rcreate(1, maxQid, HIGH_BIT),
                new Tread(0, 1, 0, 4096),
                new Tread(1, NOFID, Long.MAX_VALUE, U32_MAX),
                new Tread(2, HIGH_BIT, -1L, HIGH_BIT),
                new Rread(0, new byte[0]),
                new Rread(0, ascii("new claude /proj\n")),
                new Rread(NOTAG, allByteValues()),
                new Twrite(0, 1, 0, ascii("new claude /proj\n")),
                new Twrite(0, 1, 0, new byte[0]),
                new Twrite(NOTAG, NOFID, Long.MIN_VALUE, allByteValues()),
                new Rwrite(0, 17),
                new Rwrite(0, 0),
                new Rwrite(1, U32_MAX),
                new Tclunk(0, 1),
                new Tclunk(NOTAG, NOFID),
                new Rclunk(0),
                new Rclunk(NOTAG),
                new Tremove(0, 1),
                new Tremove(1, HIGH_BIT),
                new Rremove(0),
                new Rremove(NOTAG),
                new Tstat(0, 1),
                new Tstat(NOTAG, NOFID),
                new Rstat(0, fullStat()),
                new Rstat(1, plainFile()),
                new Twstat(0, 1, fullStat()),
                new Twstat(1, HIGH_BIT, Stat.dontTouch()),
                new Rwstat(0),
                new Rwstat(NOTAG));
    }

    /** Every record type under {@link Message}, read from the sealed hierarchy itself. */
    static List<Class<?>> allMessageTypes() {
        return Arrays.stream(Message.class.getPermittedSubclasses())
                .flatMap(side -> Arrays.stream(side.getPermittedSubclasses()))
                .toList();
    }
}
