package dev.anvillm.srv.session;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The changes behind {@code agent/events}. Code that changes a session publishes each change
 * once; every reader has its own position and gets every line published after it opened, in order.
 *
 * <p>Memory is bounded: the bus keeps the last {@code capacity} lines and cuts long details. A
 * reader that falls further behind than that gets one line {@code <unix-ms> - overflow <n>} in
 * place of the {@code n} lines it lost, and should reread {@code list}.
 */
public final class EventBus {
    public static final int DEFAULT_CAPACITY = 1024;
    /** Longest line kept, newline included; a longer detail is cut. */
    public static final int MAX_LINE = 1024;

    private final byte[][] ring;
    private final LongSupplier clock;
    private final Set<Reader> readers = new LinkedHashSet<>();
    /** Sequence number of the next line published; line {@code s} lives in {@code ring[s % capacity]}. */
    private long head;

    public EventBus() {
        this(DEFAULT_CAPACITY, System::currentTimeMillis);
    }

    public EventBus(int capacity, LongSupplier clock) {
        if (capacity < 1) throw new IllegalArgumentException("capacity " + capacity);
        this.ring = new byte[capacity][];
        this.clock = clock;
    }

    /**
     * Publishes {@code <unix-ms> <id> <event> [detail]}. Newlines in {@code detail} become spaces.
     * Readers waiting for news are answered on the calling thread, after the bus's lock is released.
     */
    public void publish(String id, String event, String detail) {
        StringBuilder b = new StringBuilder().append(clock.getAsLong()).append(' ').append(id).append(' ').append(event);
        if (detail != null && !detail.isEmpty()) b.append(' ').append(detail.replace('\r', ' ').replace('\n', ' '));
        byte[] line = cut(b.toString());
        List<Runnable> deliveries = new ArrayList<>();
        synchronized (this) {
            ring[(int) (head % ring.length)] = line;
            head++;
            for (Reader r : readers) r.wake(deliveries);
        }
        deliveries.forEach(Runnable::run);
    }

    /**
     * A new reader positioned after the last line published. {@code preamble} (the
     * {@code state <id> <state>} lines) is taken after the reader is positioned, so no change falls
     * between the two: at worst a change shows in both.
     */
    public Reader open(Supplier<List<String>> preamble) {
        Reader r = new Reader();
        synchronized (this) {
            r.next = head;
            readers.add(r);
        }
        List<String> lines = preamble.get();
        synchronized (this) {
            for (int i = lines.size() - 1; i >= 0; i--) r.ready.addFirst(cut(lines.get(i)));
        }
        return r;
    }

    /** How many readers are open. */
    public synchronized int readers() {
        return readers.size();
    }

    private static byte[] cut(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        if (b.length >= MAX_LINE) {
            int n = MAX_LINE - 1;
            while (n > 0 && (b[n] & 0xC0) == 0x80) n--; // don't split a UTF-8 sequence
            b = Arrays.copyOf(b, n + 1);
        } else {
            b = Arrays.copyOf(b, b.length + 1);
        }
        b[b.length - 1] = '\n';
        return b;
    }

    /** One open of the stream: its position, and the reads waiting for news. */
    public final class Reader implements AutoCloseable {
        private long next;
        /** Lines taken from the ring (or the preamble) but not yet delivered; the first may be partly delivered. */
        private final ArrayDeque<byte[]> ready = new ArrayDeque<>();
        private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
        private boolean closed;

        private record Waiting(int max, Consumer<byte[]> deliver) {}

        private Reader() {}

        /**
         * Delivers at most {@code max} bytes (whole lines where they fit): now, on the calling thread,
         * when there is something to read; otherwise later, on the thread that publishes. A
         * delivery not yet made can be withdrawn with {@link #withdraw}.
         */
        public void read(int max, Consumer<byte[]> deliver) {
            byte[] now;
            synchronized (EventBus.this) {
                if (closed) {
                    now = new byte[0];
                } else if (waiting.isEmpty() && hasData()) {
                    now = take(max);
                } else {
                    waiting.add(new Waiting(Math.max(1, max), deliver));
                    return;
                }
            }
            deliver.accept(now);
        }

        /** Forgets a waiting read (Tflush): it will not be answered, and takes nothing from the stream. */
        public void withdraw(Consumer<byte[]> deliver) {
            synchronized (EventBus.this) {
                waiting.removeIf(w -> w.deliver == deliver);
            }
        }

        /** Ends this reader; waiting reads are dropped unanswered. */
        @Override
        public void close() {
            synchronized (EventBus.this) {
                closed = true;
                waiting.clear();
                ready.clear();
                readers.remove(this);
            }
        }

        /** Called under the bus's lock after a publish: hands data to waiting reads. */
        private void wake(List<Runnable> deliveries) {
            while (!waiting.isEmpty() && hasData()) {
                Waiting w = waiting.poll();
                byte[] data = take(w.max);
                deliveries.add(() -> w.deliver.accept(data));
            }
        }

        private boolean hasData() {
            return !ready.isEmpty() || next < head;
        }

        private byte[] take(int max) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (out.size() < max) {
                if (ready.isEmpty() && !pull()) break;
                byte[] line = ready.peekFirst();
                int room = max - out.size();
                if (line.length <= room) {
                    out.writeBytes(line);
                    ready.pollFirst();
                } else {
                    if (out.size() > 0) break; // keep lines whole when we can
                    out.write(line, 0, room);
                    ready.pollFirst();
                    ready.addFirst(Arrays.copyOfRange(line, room, line.length));
                }
            }
            return out.toByteArray();
        }

        /** Moves the next published line into {@code ready}; false when there is none. */
        private boolean pull() {
            if (next >= head) return false;
            long oldest = Math.max(0, head - ring.length);
            if (next < oldest) {
                ready.add(cut(clock.getAsLong() + " - overflow " + (oldest - next)));
                next = oldest;
                return true;
            }
            ready.add(ring[(int) (next % ring.length)]);
            next++;
            return true;
        }
    }
}
