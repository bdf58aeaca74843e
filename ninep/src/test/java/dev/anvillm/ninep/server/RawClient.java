package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.DecodeException;
import dev.anvillm.ninep.proto.Message;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
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

    /** The next reply, or null if the server closed the connection. */
    public Message receive(Duration deadline) throws Exception {
        Future<Message> f = reader.submit(this::readOne);
        try {
            return f.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("no reply within " + deadline);
        }
    }

    public Message receive() throws Exception {
        return receive(Duration.ofSeconds(5));
    }

    /** Sends {@code m} and returns the reply. */
    public Message rpc(Message m) throws Exception {
        send(m);
        return receive();
    }

    private Message readOne() throws IOException, DecodeException {
        ByteBuffer size = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        if (!fill(size)) return null;
        int n = size.getInt(0);
        ByteBuffer rest = ByteBuffer.allocate(n - 4);
        if (!fill(rest)) return null;
        byte[] frame = new byte[n];
        System.arraycopy(size.array(), 0, frame, 0, 4);
        System.arraycopy(rest.array(), 0, frame, 4, n - 4);
        return Codec.decode(frame);
    }

    private boolean fill(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) return false;
        }
        return true;
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
