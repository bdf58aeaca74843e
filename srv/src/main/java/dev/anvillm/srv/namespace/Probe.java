package dev.anvillm.srv.namespace;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.DecodeException;
import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.OpenMode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Just enough 9P, with a deadline, for start and status: does the socket answer a Tversion, and
 * what does one small file of the root hold. Everything else goes through ninep's client.
 */
final class Probe implements AutoCloseable {
    private static final int MSIZE = 8192;

    private final SocketChannel channel;
    private final Selector selector;
    private final long deadline;
    private int tag;

    private Probe(Path socket, Duration timeout) throws IOException {
        deadline = System.nanoTime() + timeout.toNanos();
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.configureBlocking(false);
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** True when a 9P server on {@code socket} answers a Tversion within {@code timeout}. */
    static boolean answers(Path socket, Duration timeout) {
        try (Probe p = new Probe(socket, timeout)) {
            return p.version();
        } catch (IOException e) {
            return false;
        }
    }

    /** The content of {@code name} in the root of the tree served on {@code socket}. */
    static String read(Path socket, String name, Duration timeout) throws IOException {
        try (Probe p = new Probe(socket, timeout)) {
            if (!p.version()) throw new IOException("no 9P2000 server on " + socket);
            p.expect(new Message.Tattach(p.tag++, 0, Message.NOFID, System.getProperty("user.name"), ""), Message.Rattach.class);
            p.expect(new Message.Twalk(p.tag++, 0, 1, List.of(name)), Message.Rwalk.class);
            p.expect(new Message.Topen(p.tag++, 1, OpenMode.OREAD), Message.Ropen.class);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                byte[] data = p.expect(new Message.Tread(p.tag++, 1, out.size(), MSIZE - Codec.IOHDRSZ), Message.Rread.class).data();
                if (data.length == 0) return out.toString(StandardCharsets.UTF_8);
                out.writeBytes(data);
            }
        }
    }

    private boolean version() throws IOException {
        return rpc(new Message.Tversion(Message.NOTAG, MSIZE, "9P2000")) instanceof Message.Rversion v && v.version().equals("9P2000");
    }

    private <R extends Message.R> R expect(Message.T t, Class<R> type) throws IOException {
        Message m = rpc(t);
        if (m instanceof Message.Rerror e) throw new IOException(e.ename());
        if (!type.isInstance(m)) throw new IOException("unexpected reply " + m.getClass().getSimpleName());
        return type.cast(m);
    }

    private Message rpc(Message.T t) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(Codec.encode(t));
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) await();
        }
        ByteBuffer size = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        fill(size);
        int n = size.getInt(0);
        if (n < Codec.HEADER || n > MSIZE) throw new IOException("bad reply size " + n);
        ByteBuffer frame = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(n);
        fill(frame);
        try {
            return Codec.decode(frame.array());
        } catch (DecodeException e) {
            throw new IOException("bad reply: " + e.getMessage());
        }
    }

    private void fill(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            int n = channel.read(b);
            if (n < 0) throw new IOException("connection closed");
            if (n == 0) await();
        }
    }

    private void await() throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new IOException("no answer in time");
        selector.select(Math.max(1, left / 1_000_000));
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
