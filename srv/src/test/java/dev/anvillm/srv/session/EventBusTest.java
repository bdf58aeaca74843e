package dev.anvillm.srv.session;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

class EventBusTest {
    private final AtomicLong now = new AtomicLong(1700000000000L);

    /** Collects what a reader delivers, now or later. */
    private static final class Sink implements Consumer<byte[]> {
        final List<String> got = new ArrayList<>();

        @Override
        public synchronized void accept(byte[] b) {
            got.add(new String(b, StandardCharsets.UTF_8));
        }
    }

    private static String readNow(EventBus.Reader r, int max) {
        Sink s = new Sink();
        r.read(max, s);
        assertEquals(1, s.got.size(), "expected an answer at once");
        return s.got.getFirst();
    }

    @Test
    void aReadWithNothingToSayWaitsForTheNextPublish() {
        EventBus bus = new EventBus(16, now::get);
        EventBus.Reader r = bus.open(List::of);
        Sink s = new Sink();
        r.read(8192, s);
        assertEquals(List.of(), s.got);
        bus.publish("0badf00d", "state", "idle");
        assertEquals(List.of("1700000000000 0badf00d state idle\n"), s.got);
    }

    @Test
    void eachOpenStartsWithThePreambleThenGetsEveryLineAfterIt() {
        EventBus bus = new EventBus(16, now::get);
        bus.publish("a", "created", null);
        EventBus.Reader early = bus.open(() -> List.of("state a idle"));
        bus.publish("a", "state", "running");
        EventBus.Reader late = bus.open(() -> List.of("state a running"));
        bus.publish("a", "state", "idle");

        assertEquals("state a idle\n1700000000000 a state running\n1700000000000 a state idle\n", readNow(early, 8192));
        assertEquals("state a running\n1700000000000 a state idle\n", readNow(late, 8192));
    }

    @Test
    void readsKeepLinesWholeWhenTheyFitAndSplitOnlyALineLongerThanTheRead() {
        EventBus bus = new EventBus(16, now::get);
        EventBus.Reader r = bus.open(List::of);
        bus.publish("a", "x", null); // "1700000000000 a x\n" = 18 bytes
        bus.publish("b", "y", null);
        assertEquals("1700000000000 a x\n", readNow(r, 30));
        assertEquals("1700000000", readNow(r, 10));
        assertEquals("000 b y\n", readNow(r, 30));
    }

    @Test
    void aReaderFarBehindIsToldHowManyLinesItLost() {
        EventBus bus = new EventBus(4, now::get);
        EventBus.Reader r = bus.open(List::of);
        for (int i = 0; i < 10; i++) bus.publish("s" + i, "e", null);
        String all = readNow(r, 8192);
        assertEquals("1700000000000 - overflow 6\n1700000000000 s6 e\n1700000000000 s7 e\n1700000000000 s8 e\n1700000000000 s9 e\n", all);
    }

    @Test
    void aWithdrawnReadIsNotAnsweredAndTakesNothing() {
        EventBus bus = new EventBus(16, now::get);
        EventBus.Reader r = bus.open(List::of);
        Sink flushed = new Sink();
        r.read(8192, flushed);
        r.withdraw(flushed);
        bus.publish("a", "state", "idle");
        assertEquals(List.of(), flushed.got);
        assertEquals("1700000000000 a state idle\n", readNow(r, 8192));
    }

    @Test
    void closingAReaderDropsItsWaitingReadsAndForgetsIt() {
        EventBus bus = new EventBus(16, now::get);
        EventBus.Reader r = bus.open(List::of);
        Sink s = new Sink();
        r.read(8192, s);
        assertEquals(1, bus.readers());
        r.close();
        assertEquals(0, bus.readers());
        bus.publish("a", "state", "idle");
        assertEquals(List.of(), s.got);
    }

    @Test
    void detailsStayOnOneLineAndLongOnesAreCut() {
        EventBus bus = new EventBus(16, now::get);
        EventBus.Reader r = bus.open(List::of);
        bus.publish("a", "error", "two\nlines");
        assertEquals("1700000000000 a error two lines\n", readNow(r, 8192));
        bus.publish("a", "error", "é".repeat(2000));
        String cut = readNow(r, 8192);
        assertTrue(cut.getBytes(StandardCharsets.UTF_8).length <= EventBus.MAX_LINE, "cut to the limit");
        assertTrue(cut.endsWith("é\n"), "cut between characters, newline kept");
    }
}
