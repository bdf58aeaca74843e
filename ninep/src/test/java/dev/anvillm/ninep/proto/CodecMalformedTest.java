package dev.anvillm.ninep.proto;

import dev.anvillm.ninep.proto.Message.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static dev.anvillm.ninep.proto.Message.NOTAG;
import static org.junit.jupiter.api.Assertions.*;

/** Every malformed frame is a DecodeException that names what is wrong, never anything else. */
class CodecMalformedTest {
    private static final Qid QID = new Qid(Qid.QTDIR, 0, 1);

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 4, 6})
    void frameShorterThanAHeaderIsRejected(int length) {
        byte[] frame = Arrays.copyOf(Codec.encode(new Rclunk(0)), length);
        assertRejected(frame, "short frame", length + " bytes");
    }

    @Test
    void sizeFieldLargerThanTheFrameIsRejected() {
        assertRejected(Frame.of(121, 0).size(8).build(), "size field 8 larger than the frame (7 bytes)");
    }

    @Test
    void sizeFieldWithTheHighBitSetIsRejectedAsLargerThanTheFrame() {
        assertRejected(Frame.of(121, 0).size(0xffffffffL).build(), "size field 4294967295 larger than the frame");
    }

    @Test
    void sizeFieldSmallerThanTheFrameIsRejected() {
        assertRejected(Frame.of(120, 0).u32(1).size(9).build(), "size field 9 smaller than the frame (11 bytes)");
    }

    @Test
    void sizeFieldSmallerThanAHeaderIsRejected() {
        assertRejected(Frame.of(121, 0).size(3).build(), "size field 3 smaller than a message header");
    }

    @Test
    void trailingBytesAfterTheMessageAreRejected() {
        assertRejected(Frame.of(121, 0).u8(0).build(), "1 trailing bytes after Rclunk");
        assertRejected(Frame.of(120, 0).u32(1).u16(0).build(), "2 trailing bytes after Tclunk");
    }

    @Test
    void fieldRunningPastTheFrameIsRejected() {
        assertRejected(Frame.of(120, 0).u16(1).build(), "field runs past the end of the frame");
    }

    @Test
    void qidRunningPastTheFrameIsRejected() {
        assertRejected(Frame.of(105, 0).u8(Qid.QTDIR).u32(0).build(), "qid runs past the end of the frame");
    }

    @Test
    void stringWhoseLengthRunsPastTheFrameIsRejected() {
        assertRejected(Frame.of(107, 0).rawStr(100, (byte) 'a', (byte) 'b', (byte) 'c').build(),
                "string runs past the end of the frame");
    }

    @Test
    void stringLengthOfAllOnesIsRejected() {
        assertRejected(Frame.of(107, 0).rawStr(0xffff).build(), "string runs past the end of the frame");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "80",          // a continuation byte with no lead
            "c0 af",       // overlong '/'
            "e0 80 af",    // overlong '/', three bytes
            "ed a0 80",    // a UTF-16 surrogate encoded as UTF-8 (CESU-8)
            "e2 82",       // a three-byte sequence cut short inside the string
            "f4 90 80 80", // past U+10FFFF
            "ff",
            "61 fe 62"})
    void invalidUtf8InAStringIsRejected(String spacedHex) {
        byte[] raw = Frame.hex(spacedHex);
        assertRejected(Frame.of(107, 0).rawStr(raw.length, raw).build(), "invalid UTF-8 in string");
    }

    @Test
    void invalidUtf8InAWalkNameIsRejected() {
        byte[] frame = Frame.of(110, 0).u32(0).u32(1).u16(2).str("ok").rawStr(1, (byte) 0xc3).build();
        assertRejected(frame, "invalid UTF-8 in string");
    }

    @ParameterizedTest(name = "type {0}")
    @ValueSource(ints = {0, 99, 106, 128, 255})
    void unknownTypeByteIsRejected(int type) {
        assertRejected(Frame.of(type, 0).build(), "unknown message type " + type);
    }

    @Test
    void terrorIsRejectedBecause9P2000HasNoSuchMessage() {
        assertRejected(Frame.of(106, 0).str("no").build(), "unknown message type 106");
    }

    @Test
    void walkOfSeventeenNamesIsRejected() {
        Frame f = Frame.of(110, 0).u32(0).u32(1).u16(17);
        for (int i = 0; i < 17; i++) f.str("d" + i);
        assertRejected(f.build(), "walk of 17 names", "at most 16");
    }

    @Test
    void walkClaimingAllOnesNamesIsRejectedBeforeReadingThem() {
        assertRejected(Frame.of(110, 0).u32(0).u32(1).u16(0xffff).build(), "walk of 65535 names");
    }

    @Test
    void walkReplyOfSeventeenQidsIsRejected() {
        Frame f = Frame.of(111, 0).u16(17);
        for (int i = 0; i < 17; i++) f.qid(QID);
        assertRejected(f.build(), "walk reply of 17 qids", "at most 16");
    }

    @Test
    void walkNamesRunningPastTheFrameAreRejected() {
        assertRejected(Frame.of(110, 0).u32(0).u32(1).u16(3).str("a").str("b").build(),
                "runs past the end of the frame");
    }

    @ParameterizedTest(name = "tag {0}")
    @ValueSource(ints = {0, 1, 0xfffe})
    void tversionWithATagOtherThanNotagIsRejected(int tag) {
        assertRejected(Frame.of(100, tag).u32(8192).str("9P2000").build(), "Tversion tag must be NOTAG", "got " + tag);
    }

    @Test
    void rversionWithAnyTagIsAccepted() throws DecodeException {
        assertEquals(new Rversion(0, 8192, "9P2000"), Codec.decode(Frame.of(101, 0).u32(8192).str("9P2000").build()));
    }

    @Test
    void writeCountRunningPastTheFrameIsRejected() {
        assertRejected(Frame.of(118, 0).u32(1).u64(0).u32(4).bytes(new byte[3]).build(),
                "data count 4 runs past the end of the frame");
    }

    @ParameterizedTest(name = "count {0}")
    @ValueSource(ints = {0x80000000, 0xffffffff, 0x7fffffff})
    void writeCountNoFrameCouldHoldIsRejected(int count) {
        assertRejected(Frame.of(118, 0).u32(1).u64(0).u32(count).bytes(new byte[8]).build(),
                "data count " + Integer.toUnsignedString(count) + " runs past the end of the frame");
    }

    @Test
    void readReplyCountRunningPastTheFrameIsRejected() {
        assertRejected(Frame.of(117, 0).u32(20).bytes(new byte[19]).build(),
                "data count 20 runs past the end of the frame");
    }

    @ParameterizedTest(name = "count {0}")
    @ValueSource(ints = {0x80000000, 0xffffffff, 0x7fffffff})
    void readReplyCountNoFrameCouldHoldIsRejected(int count) {
        assertRejected(Frame.of(117, 0).u32(count).build(),
                "data count " + Integer.toUnsignedString(count) + " runs past the end of the frame");
    }

    @Test
    void readReplyWithMoreDataThanItsCountIsRejected() {
        assertRejected(Frame.of(117, 0).u32(1).bytes(new byte[2]).build(), "1 trailing bytes after Rread");
    }

    @Test
    void statWhoseInnerSizeIsSmallerThanItsFieldsIsRejected() {
        byte[] entry = Codec.encodeStat(SampleMessages.plainFile());
        int inner = (entry[0] & 0xff) | (entry[1] & 0xff) << 8;
        entry[0] = (byte) (inner - 1);
        assertRejected(rstatFrame(entry.length, entry), "stat size field " + (inner - 1) + " disagrees with its contents");
    }

    @Test
    void statWhoseInnerSizeIsLargerThanItsFieldsIsRejected() {
        byte[] fields = Codec.encodeStat(SampleMessages.plainFile());
        byte[] entry = Arrays.copyOf(fields, fields.length + 1);
        int inner = (entry[0] & 0xff) | (entry[1] & 0xff) << 8;
        entry[0] = (byte) (inner + 1);
        assertRejected(rstatFrame(entry.length, entry), "stat size field " + (inner + 1) + " disagrees with its contents");
    }

    @Test
    void statWhoseOuterSizeDisagreesWithItsEntryIsRejected() {
        byte[] fields = Codec.encodeStat(SampleMessages.plainFile());
        byte[] entry = Arrays.copyOf(fields, fields.length + 1);
        assertRejected(rstatFrame(entry.length, entry), "stat length " + entry.length + " disagrees with its entry");
    }

    @Test
    void statRunningPastTheFrameIsRejected() {
        byte[] entry = Codec.encodeStat(SampleMessages.plainFile());
        assertRejected(rstatFrame(entry.length + 5, entry), "stat runs past the end of the frame");
    }

    @Test
    void twstatWhoseInnerSizeDisagreesIsRejectedLikeRstat() {
        byte[] entry = Codec.encodeStat(SampleMessages.fullStat());
        entry[0]++;
        byte[] frame = Frame.of(126, 0).u32(1).u16(entry.length).bytes(entry).build();
        assertRejected(frame, "stat");
    }

    @Test
    void directoryReadEndingInAPartialEntryIsRejected() {
        byte[] entry = Codec.encodeStat(SampleMessages.plainFile());
        byte[] data = Arrays.copyOf(entry, entry.length + 3);
        data[entry.length] = 40;
        var e = assertThrows(DecodeException.class, () -> Codec.decodeStats(data));
        assertTrue(e.getMessage().contains("runs past the end"), e.getMessage());
    }

    private static byte[] rstatFrame(int outerSize, byte[] entry) {
        return Frame.of(125, 0).u16(outerSize).bytes(entry).build();
    }

    private static void assertRejected(byte[] frame, String... fragments) {
        DecodeException e = assertThrows(DecodeException.class, () -> Codec.decode(frame),
                () -> "decoded " + Frame.hex(frame));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message '" + e.getMessage() + "' does not name '" + f + "'");
        }
    }
}
