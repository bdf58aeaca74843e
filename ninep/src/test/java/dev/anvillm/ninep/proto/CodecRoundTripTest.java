package dev.anvillm.ninep.proto;

import dev.anvillm.ninep.proto.Message.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.anvillm.ninep.proto.Frame.hex;
import static dev.anvillm.ninep.proto.SampleMessages.ascii;
import static org.junit.jupiter.api.Assertions.*;

class CodecRoundTripTest {

    static List<Message> samples() {
        return SampleMessages.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void everyMessageDecodesToItselfAndReencodesToTheSameBytes(Message m) throws DecodeException {
        byte[] frame = Codec.encode(m);

        assertEquals(frame.length, Integer.toUnsignedLong(leU32(frame, 0)), "size[4] counts the whole frame");
        assertEquals(m.type(), frame[4] & 0xff, "type[1]");
        assertEquals(m.tag(), (frame[5] & 0xff) | (frame[6] & 0xff) << 8, "tag[2]");

        Message decoded = Codec.decode(frame);
        assertEquals(m, decoded);
        assertArrayEquals(frame, Codec.encode(decoded));
    }

    @Test
    void samplesCoverAllTwentySevenMessageTypes() {
        Set<Class<?>> sampled = samples().stream().map(Object::getClass).collect(Collectors.toSet());
        List<Class<?>> all = SampleMessages.allMessageTypes();

        assertEquals(27, all.size());
        assertEquals(Set.copyOf(all), sampled);
    }

    @Test
    void typeBytesAreTheOnes9P2000AssignsWithTEvenAndROdd() {
        Map<Class<?>, Integer> typeOf = new HashMap<>();
        for (Message m : samples()) {
            typeOf.put(m.getClass(), m.type());
            assertEquals(m instanceof Message.T ? 0 : 1, m.type() % 2, m.getClass().getSimpleName());
        }
        Set<Integer> expected = IntStream.rangeClosed(100, 127).filter(t -> t != 106).boxed().collect(Collectors.toSet());
        assertEquals(expected, new HashSet<>(typeOf.values()));
    }

    // ---- byte layouts written out by hand from the 9P2000 manual (intro(5) and friends) -------

    @Test
    void tversionHasTheSpecLayout() throws DecodeException {
        assertLayout(new Tversion(Message.NOTAG, 8192, "9P2000"),
                "13 00 00 00 64 ff ff 00 20 00 00 06 00 39 50 32 30 30 30");
    }

    @Test
    void rerrorHasTheSpecLayout() throws DecodeException {
        assertLayout(new Rerror(0, "bad fid"),
                "10 00 00 00 6b 00 00 07 00 62 61 64 20 66 69 64");
    }

    @Test
    void twalkHasTheSpecLayout() throws DecodeException {
        assertLayout(new Twalk(0, 0, 1, List.of("ctl")),
                "16 00 00 00 6e 00 00 00 00 00 00 01 00 00 00 01 00 03 00 63 74 6c");
    }

    @Test
    void treadOffsetIsSixtyFourBitLittleEndian() throws DecodeException {
        assertLayout(new Tread(1, 2, 0x0102030405060708L, 4096),
                "17 00 00 00 74 01 00 02 00 00 00 08 07 06 05 04 03 02 01 00 10 00 00");
    }

    @Test
    void twriteAsPlan9portSendsItHasTheSpecLayout() throws DecodeException {
        assertLayout(new Twrite(0, 1, 0, ascii("new claude /proj\n")),
                "28 00 00 00 76 00 00 01 00 00 00 00 00 00 00 00 00 00 00 11 00 00 00"
                        + " 6e 65 77 20 63 6c 61 75 64 65 20 2f 70 72 6f 6a 0a");
    }

    @Test
    void rwalkQidIsTypeThenVersionThenPath() throws DecodeException {
        assertLayout(new Rwalk(0, List.of(new Qid(Qid.QTDIR, 1, 42))),
                "16 00 00 00 6f 00 00 01 00 80 01 00 00 00 2a 00 00 00 00 00 00 00");
    }

    @Test
    void rstatCarriesTheEntryBehindASecondSizeField() throws DecodeException {
        Stat st = new Stat(0, 0, new Qid(0, 0, 0), 0644, 1, 2, 3, "a", "u", "g", "m");
        assertLayout(new Rstat(1, st),
                "3e 00 00 00 7d 01 00 35 00 33 00 00 00 00 00 00 00"
                        + " 00 00 00 00 00 00 00 00 00 00 00 00 00 a4 01 00 00 01 00 00 00 02 00 00 00"
                        + " 03 00 00 00 00 00 00 00 01 00 61 01 00 75 01 00 67 01 00 6d");
    }

    @Test
    void stringLengthCountsUtf8BytesNotChars() throws DecodeException {
        assertLayout(new Rerror(0, "é😀"), "0f 00 00 00 6b 00 00 06 00 c3 a9 f0 9f 98 80");
    }

    @Test
    void dontTouchStatIsAllOnesWithEmptyStrings() throws DecodeException {
        byte[] entry = Codec.encodeStat(Stat.dontTouch());
        assertEquals("2f 00 " + "ff ".repeat(2 + 4 + 13 + 4 + 4 + 4 + 8) + "00 00 00 00 00 00 00 00", hex(entry));
        assertEquals(List.of(Stat.dontTouch()), Codec.decodeStats(entry));
    }

    // ---- other edges -------------------------------------------------------------------------

    @Test
    void longestPossibleStringRoundTrips() throws DecodeException {
        String longest = "é".repeat(32767) + "a";
        assertEquals(2 + 65535, Codec.stringSize(longest));
        Message m = new Rerror(0, longest);
        assertEquals(m, Codec.decode(Codec.encode(m)));
    }

    @Test
    void stringTooLongForItsSizeFieldIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Codec.encode(new Rerror(0, "x".repeat(65536))));
        assertTrue(e.getMessage().contains("65536 bytes"), e.getMessage());
    }

    @Test
    void statTooLargeForItsSizeFieldIsRefused() {
        String big = "x".repeat(40000);
        Stat st = new Stat(0, 0, new Qid(0, 0, 0), 0, 0, 0, 0, big, big, "", "");
        assertThrows(IllegalArgumentException.class, () -> Codec.encode(new Rstat(0, st)));
        assertThrows(IllegalArgumentException.class, () -> Codec.encodeStat(st));
    }

    @Test
    void statWithAnUnpairedSurrogateEncodesToAFrameThatDecodes() throws DecodeException {
        // UTF-8 cannot carry a lone surrogate; it is sent as '?' and the sizes must agree with that.
        Stat st = new Stat(0, 0, new Qid(0, 0, 0), 0, 0, 0, 0, "a\uD800b", "u", "g", "\uDC00");
        Rstat decoded = (Rstat) Codec.decode(Codec.encode(new Rstat(0, st)));
        assertEquals("a?b", decoded.stat().name());
        assertEquals("?", decoded.stat().muid());
    }

    @Test
    void directoryReadOfSeveralEntriesDecodesEachEntry() throws DecodeException {
        List<Stat> entries = List.of(SampleMessages.fullStat(), SampleMessages.plainFile(), Stat.dontTouch());
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Stat s : entries) data.writeBytes(Codec.encodeStat(s));
        byte[] bytes = data.toByteArray();

        assertEquals(entries.stream().mapToInt(Stat::wireSize).sum(), bytes.length);
        assertEquals(entries, Codec.decodeStats(bytes));
    }

    private static void assertLayout(Message m, String spacedHex) throws DecodeException {
        byte[] expected = Frame.hex(spacedHex);
        assertEquals(hex(expected), hex(Codec.encode(m)), "encoding of " + m);
        assertEquals(m, Codec.decode(expected));
    }

    private static int leU32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
