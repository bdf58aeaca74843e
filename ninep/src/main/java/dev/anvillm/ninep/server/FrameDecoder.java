package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.DecodeException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/** Cuts the byte stream into frames no larger than the connection's msize, and decodes them. */
final class FrameDecoder extends ByteToMessageDecoder {
    private final Connection conn;

    FrameDecoder(Connection conn) {
        this.conn = conn;
    }

    /**
     * Decodes at most one frame per call: the decoder hands it on before it looks at the next,
     * so a Tversion's new msize already bounds the frame right behind it.
     */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) return;
        long size = in.getUnsignedIntLE(in.readerIndex());
        if (size > conn.frameLimit()) {
            fail(ctx, in, "size field " + size + " larger than msize " + conn.frameLimit());
            return;
        }
        if (size < Codec.HEADER) {
            fail(ctx, in, "size field " + size + " smaller than a message header");
            return;
        }
        if (in.readableBytes() < size) return;
        byte[] frame = new byte[(int) size];
        in.readBytes(frame);
        try {
            out.add(Codec.decode(frame));
        } catch (DecodeException e) {
            fail(ctx, in, e.getMessage());
        }
    }

    private void fail(ChannelHandlerContext ctx, ByteBuf in, String reason) {
        in.skipBytes(in.readableBytes());
        conn.protocolError(reason);
        ctx.close();
    }
}
