package dev.anvillm.acme;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.OpenMode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * One Acme window through its files ({@code <id>/ctl addr data body tag event}). The control,
 * address and data files stay open for the window's life: Acme resets a window's address when
 * its addr file is first opened, and {@code addr=dot} needs it open. Calls are serialised per
 * window, since an address and the data written at it belong together.
 */
public final class Win implements AutoCloseable {
    private final Acme acme;
    private final int id;
    private final Fid ctl;
    private final Fid addr;
    private final Fid data;
    private final Fid body;
    private volatile boolean closed;

    private Win(Acme acme, int id, Fid ctl) throws IOException {
        this.acme = acme;
        this.id = id;
        this.ctl = ctl;
        this.addr = acme.conn().open(id + "/addr", OpenMode.ORDWR);
        this.data = acme.conn().open(id + "/data", OpenMode.ORDWR);
        this.body = acme.conn().open(id + "/body", OpenMode.OWRITE);
    }

    static Win create(Acme acme, String name, String tag) throws IOException {
        Fid ctl = acme.conn().open("new/ctl", OpenMode.ORDWR);
        int id;
        try {
            String line = new String(ctl.read(0, 256), StandardCharsets.UTF_8);
            id = Integer.parseInt(line.substring(0, Math.min(11, line.length())).strip());
        } catch (IOException | RuntimeException e) {
            quietly(ctl);
            throw e instanceof IOException io ? io : new IOException("acme's new/ctl gave no window id", e);
        }
        Win w = new Win(acme, id, ctl);
        if (tag != null && !tag.isEmpty()) w.write(id + "/tag", " " + tag);
        w.ctl("name " + name); // last: a window is found by its name once it is whole
        return w;
    }

    public int id() {
        return id;
    }

    /** Writes one ctl message ({@code clean}, {@code show}, {@code dot=addr}...). */
    public synchronized void ctl(String message) throws IOException {
        byte[] b = (message + "\n").getBytes(StandardCharsets.UTF_8);
        ctl.write(0, b, 0, b.length);
    }

    /** Appends to the body. */
    public synchronized void append(String text) throws IOException {
        if (text.isEmpty()) return;
        writeRunes(body, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code b} in pieces that fit a message and end on a rune: Acme takes whole characters only. */
    private void writeRunes(Fid f, byte[] b) throws IOException {
        int max = acme.conn().msize() - Codec.IOHDRSZ;
        int done = 0;
        while (done < b.length) {
            int end = Math.min(b.length, done + max);
            while (end < b.length && end > done + 1 && (b[end] & 0xC0) == 0x80) end--;
            done += f.write(0, b, done, end - done);
        }
    }

    /** The whole body now. */
    public String body() throws IOException {
        try (Fid f = acme.conn().open(id + "/body", OpenMode.OREAD)) {
            return new String(f.readToEnd(), StandardCharsets.UTF_8);
        }
    }

    /** The whole tag now. */
    public String tag() throws IOException {
        try (Fid f = acme.conn().open(id + "/tag", OpenMode.OREAD)) {
            return new String(f.readToEnd(), StandardCharsets.UTF_8);
        }
    }

    /** Replaces the body's runes {@code q0..q1} with {@code text}, through addr and data. */
    public synchronized void replace(int q0, int q1, String text) throws IOException {
        setAddr("#" + q0 + ",#" + q1);
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0) data.write(0, b, 0, 0);
        else writeRunes(data, b);
    }

    /** The user's selection in the body, as rune offsets {q0, q1}. */
    public synchronized int[] dot() throws IOException {
        ctl("addr=dot");
        return readAddr();
    }

    /** Selects runes {@code q0..q1} of the body. */
    public synchronized void select(int q0, int q1) throws IOException {
        setAddr("#" + q0 + ",#" + q1);
        ctl("dot=addr");
    }

    private void setAddr(String a) throws IOException {
        byte[] b = a.getBytes(StandardCharsets.UTF_8);
        addr.write(0, b, 0, b.length);
    }

    /** Reads addr: plan9port gives two 11-wide numbers, acme(4) documents {@code #m,#n}; both are taken. */
    private int[] readAddr() throws IOException {
        String s = new String(addr.read(0, 64), StandardCharsets.UTF_8).strip().replace("#", "").replace(',', ' ');
        String[] f = s.split("\\s+");
        int q0 = Integer.parseInt(f[0]);
        return new int[] {q0, f.length > 1 ? Integer.parseInt(f[1]) : q0};
    }

    /** Writes an event back, so that Acme applies the action as if nobody read the event file. */
    public void handBack(AcmeEvent e) throws IOException {
        write(id + "/event", e.handBack());
    }

    /**
     * Reads the event file on a virtual thread, handing each message to {@code each}, until the
     * window goes away or this is closed; then {@code end} runs once.
     */
    public void follow(Consumer<AcmeEvent> each, Runnable end) {
        Thread.ofVirtual().name("acme events " + id).start(() -> {
            try (Fid ev = acme.conn().open(id + "/event", OpenMode.OREAD)) {
                AcmeEvent.Parser parser = new AcmeEvent.Parser();
                long offset = 0;
                while (!closed) {
                    byte[] b = ev.read(offset, 8192);
                    if (b.length == 0) break;
                    offset += b.length;
                    for (AcmeEvent e : parser.add(b)) each.accept(e);
                }
            } catch (IOException | RuntimeException e) {
                // the window was deleted or acme went away: either way this window is done
            } finally {
                end.run();
            }
        });
    }

    private void write(String path, String text) throws IOException {
        try (Fid f = acme.conn().open(path, OpenMode.OWRITE)) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            f.write(0, b, 0, b.length);
        }
    }

    /** Deletes the window in Acme. */
    public void delete() {
        try {
            ctl("delete");
        } catch (IOException e) {
            // already gone
        }
        close();
    }

    @Override
    public void close() {
        closed = true;
        for (Fid f : new Fid[] {ctl, addr, data, body}) quietly(f);
    }

    private static void quietly(Fid f) {
        try {
            f.close();
        } catch (IOException e) {
            // the window or the connection is gone; nothing is left to release
        }
    }
}
