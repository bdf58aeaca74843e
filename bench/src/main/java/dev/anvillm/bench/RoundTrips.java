package dev.anvillm.bench;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A raw client that keeps {@code depth} requests in flight on one connection and counts
 * completed round trips. The same driver measures the daemon and the plain baseline.
 */
final class RoundTrips implements AutoCloseable {
    private final SocketChannel ch;
    private final ByteBuffer in = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);

    RoundTrips(Path socket) throws IOException {
        ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    void write(byte[] frame) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(frame);
        while (b.hasRemaining()) ch.write(b);
    }

    /** Reads one whole frame and returns it. */
    byte[] read() throws IOException {
        while (true) {
            if (in.position() >= 4) {
                int size = in.getInt(0);
                if (in.position() >= size) {
                    byte[] f = new byte[size];
                    in.flip();
                    in.get(f);
                    in.compact();
                    return f;
                }
            }
            if (ch.read(in) < 0) throw new IOException("server closed the connection");
        }
    }

    /**
     * Sends {@code total} requests built by {@code request(tag)} keeping {@code depth} in flight;
     * returns round trips per second.
     */
    double run(int total, int depth, java.util.function.IntFunction<byte[]> request) throws IOException {
        long start = System.nanoTime();
        int sent = 0, done = 0;
        for (; sent < Math.min(depth, total); sent++) write(request.apply(sent % depth));
        while (done < total) {
            byte[] reply = read();
            int tag = (reply[5] & 0xff) | (reply[6] & 0xff) << 8;
            done++;
            if (sent < total) {
                write(request.apply(tag));
                sent++;
            }
        }
        return total / ((System.nanoTime() - start) / 1e9);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
