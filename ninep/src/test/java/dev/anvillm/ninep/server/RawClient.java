package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.Message;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Test helper: sends raw frames and reads raw replies, one at a time, with a deadline. */
public final class RawClient implements AutoCloseable {
    private final SocketChannel ch;
    private final ExecutorService reader = Executors.newSingleThreadExecutor();

    public RawClient(Path socket) throws IOException {
        ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    public void send(Message m) throws IOException {
        sendBytes(Codec.encode(m));
    }

    public void sendBytes(byte[] frame) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(frame);
        while (b.hasRemaining()) ch.write(b);
    }

    /** Sends {@code frame}; false if the server has already closed the connection. */
    public boolean trySendBytes(byte[] frame) {
        try {
            sendBytes(frame);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The next reply, or null if the server closed the connection. */
    public Message receive(Duration deadline) throws Exception {
        byte[] frame = receiveFrame(deadline);
        return frame == null ? null : Codec.decode(frame);
    }

    /** The next reply exactly as it came over the wire (size field included), or null at end of stream. */
    public byte[] receiveFrame(Duration deadline) throws Exception {
        Future<byte[]> f = reader.submit(this::readFrame);
        try {
            return f.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("no reply within " + deadline);
        }
    }

    /**
     * Waits for the server to close the connection: end of stream or a reset. Fails if a message
     * arrives instead, or if the connection stays open past the deadline.
     */
    public void awaitClosed(Duration deadline) throws Exception {
        Message m;
        try {
            m = receive(deadline);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException) return; // reset by peer: closed with our bytes unread
            throw e;
        }
        if (m != null) throw new AssertionError("expected the server to close the connection, got " + m);
    }

    public void awaitClosed() throws Exception {
        awaitClosed(Duration.ofSeconds(5));
    }

    public Message receive() throws Exception {
        return receive(Duration.ofSeconds(5));
    }

    /** Sends {@code m} and returns the reply. */
    public Message rpc(Message m) throws Exception {
        send(m);
        return receive();
    }

    private byte[] readFrame() throws IOException {
        ByteBuffer size = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        if (!fill(size)) return null;
        int n = size.getInt(0);
        if (n < 4) throw new IOException("reply with size field " + n);
        ByteBuffer rest = ByteBuffer.allocate(n - 4);
        if (!fill(rest)) return null;
        byte[] frame = new byte[n];
        System.arraycopy(size.array(), 0, frame, 0, 4);
        System.arraycopy(rest.array(), 0, frame, 4, n - 4);
        return frame;
    }

    private boolean fill(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) return false;
        }
        return true;
    }

    /** Sends {@code t} and returns its reply, which must be a {@code type} with {@code t}'s tag. */
    public <M extends Message> M call(Message t, Class<M> type) throws Exception {
        Message r = rpc(t);
        if (!type.isInstance(r)) throw new AssertionError(t + ": expected " + type.getSimpleName() + ", got " + r);
        if (r.tag() != t.tag()) throw new AssertionError(t + ": reply " + r + " has the wrong tag");
        return type.cast(r);
    }

    /** Sends {@code t}, which must fail, and returns the error string. */
    public String error(Message t) throws Exception {
        return call(t, Message.Rerror.class).ename();
    }

    /** Attaches fid 0 after a Tversion, as plan9port does. */
    public void handshake() throws Exception {
        Message v = rpc(new Message.Tversion(Message.NOTAG, 8192, "9P2000"));
        if (!(v instanceof Message.Rversion)) throw new AssertionError("Tversion: " + v);
        Message a = rpc(new Message.Tattach(0, 0, Message.NOFID, System.getProperty("user.name"), ""));
        if (!(a instanceof Message.Rattach)) throw new AssertionError("Tattach: " + a);
    }

    @Override
    public void close() throws IOException {
        reader.shutdownNow();
        ch.close();
    }
}
