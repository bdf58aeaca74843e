package dev.anvillm.ninep.proto;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Turns valid frames into nearly valid ones, deterministically from its random source. Most
 * results get their size[4] set to the real length afterwards, so they reach the field decoders
 * instead of all dying at the frame check.
 */
final class FrameMutator {
    private static final int[] INTERESTING_U8 = {0, 1, 0x7f, 0x80, 0xfe, 0xff, 16, 17, 100, 106, 127, 128};
    private static final int[] INTERESTING_U16 = {0, 1, 2, 16, 17, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff};
    private static final int[] INTERESTING_U32 = {0, 1, 7, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};
    private static final int MAX_LENGTH = 1 << 16;

    private final SplittableRandom rnd;

    FrameMutator(SplittableRandom rnd) {
        this.rnd = rnd;
    }

    /** One to four stacked mutations of {@code frame}; {@code other} is the partner for splicing. */
    byte[] mutate(byte[] frame, byte[] other) {
        byte[] b = frame;
        int rounds = 1 + rnd.nextInt(4);
        for (int i = 0; i < rounds; i++) b = mutateOnce(b, other);
        if (b.length >= 4 && rnd.nextInt(4) != 0) putU32(b, 0, b.length);
        if (b.length >= 4 && rnd.nextInt(16) == 0) rewriteSize(b);
        return b;
    }

    private byte[] mutateOnce(byte[] b, byte[] other) {
        return switch (rnd.nextInt(12)) {
            case 0 -> flipBit(b);
            case 1 -> setByte(b);
            case 2 -> truncate(b);
            case 3 -> extend(b);
            case 4 -> splice(b, other);
            case 5 -> putInteresting16(b);
            case 6 -> putInteresting32(b);
            case 7 -> insert(b);
            case 8 -> delete(b);
            case 9 -> duplicate(b);
            case 10 -> setType(b);
            default -> putLengthOfRest(b);
        };
    }

    private byte[] flipBit(byte[] b) {
        if (b.length == 0) return b;
        byte[] out = b.clone();
        int i = rnd.nextInt(out.length);
        out[i] ^= (byte) (1 << rnd.nextInt(8));
        return out;
    }

    private byte[] setByte(byte[] b) {
        if (b.length == 0) return b;
        byte[] out = b.clone();
        out[rnd.nextInt(out.length)] = (byte) (rnd.nextBoolean() ? pick(INTERESTING_U8) : rnd.nextInt(256));
        return out;
    }

    private byte[] truncate(byte[] b) {
        return Arrays.copyOf(b, b.length == 0 ? 0 : rnd.nextInt(b.length));
    }

    private byte[] extend(byte[] b) {
        int n = 1 + rnd.nextInt(rnd.nextInt(8) == 0 ? 512 : 16);
        if (b.length + n > MAX_LENGTH) return b;
        byte[] out = Arrays.copyOf(b, b.length + n);
        boolean repeat = rnd.nextBoolean();
        byte fill = (byte) rnd.nextInt(256);
        for (int i = b.length; i < out.length; i++) out[i] = repeat ? fill : (byte) rnd.nextInt(256);
        return out;
    }

    /** The head of one frame and the tail of another: a header of one type over another's body. */
    private byte[] splice(byte[] b, byte[] other) {
        int cutA = rnd.nextInt(b.length + 1);
        int cutB = rnd.nextInt(other.length + 1);
        if (cutA + other.length - cutB > MAX_LENGTH) return b;
        byte[] out = Arrays.copyOf(b, cutA + other.length - cutB);
        System.arraycopy(other, cutB, out, cutA, other.length - cutB);
        return out;
    }

    private byte[] putInteresting16(byte[] b) {
        if (b.length < 2) return b;
        byte[] out = b.clone();
        int v = pick(INTERESTING_U16);
        putU16(out, rnd.nextInt(out.length - 1), rnd.nextBoolean() ? v : v + rnd.nextInt(3) - 1);
        return out;
    }

    private byte[] putInteresting32(byte[] b) {
        if (b.length < 4) return b;
        byte[] out = b.clone();
        putU32(out, rnd.nextInt(out.length - 3), pick(INTERESTING_U32));
        return out;
    }

    /** Sets a u16 or u32 to exactly the bytes that follow it, give or take one: a length field. */
    private byte[] putLengthOfRest(byte[] b) {
        if (b.length < 4) return b;
        byte[] out = b.clone();
        boolean wide = rnd.nextBoolean();
        int width = wide ? 4 : 2;
        int at = rnd.nextInt(out.length - width + 1);
        int rest = out.length - at - width + rnd.nextInt(3) - 1;
        if (wide) putU32(out, at, rest);
        else putU16(out, at, rest);
        return out;
    }

    private byte[] insert(byte[] b) {
        int n = 1 + rnd.nextInt(16);
        if (b.length + n > MAX_LENGTH) return b;
        int at = rnd.nextInt(b.length + 1);
        byte[] out = new byte[b.length + n];
        System.arraycopy(b, 0, out, 0, at);
        for (int i = 0; i < n; i++) out[at + i] = (byte) rnd.nextInt(256);
        System.arraycopy(b, at, out, at + n, b.length - at);
        return out;
    }

    private byte[] delete(byte[] b) {
        if (b.length == 0) return b;
        int at = rnd.nextInt(b.length);
        int n = 1 + rnd.nextInt(Math.min(16, b.length - at));
        byte[] out = new byte[b.length - n];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + n, out, at, b.length - at - n);
        return out;
    }

    /** Repeats a run of bytes in place, e.g. one more walk name or qid. */
    private byte[] duplicate(byte[] b) {
        if (b.length == 0) return b;
        int at = rnd.nextInt(b.length);
        int n = 1 + rnd.nextInt(Math.min(32, b.length - at));
        if (b.length + n > MAX_LENGTH) return b;
        byte[] out = new byte[b.length + n];
        System.arraycopy(b, 0, out, 0, at + n);
        System.arraycopy(b, at, out, at + n, b.length - at);
        return out;
    }

    private byte[] setType(byte[] b) {
        if (b.length < 5) return b;
        byte[] out = b.clone();
        out[4] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(256) : 100 + rnd.nextInt(28));
        return out;
    }

    private void rewriteSize(byte[] b) {
        int v = switch (rnd.nextInt(4)) {
            case 0 -> pick(INTERESTING_U32);
            case 1 -> b.length + rnd.nextInt(5) - 2;
            case 2 -> rnd.nextInt(Codec.HEADER + 1);
            default -> rnd.nextInt();
        };
        putU32(b, 0, v);
    }

    private int pick(int[] values) {
        return values[rnd.nextInt(values.length)];
    }

    private static void putU16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    private static void putU32(byte[] b, int at, int v) {
        putU16(b, at, v);
        putU16(b, at + 2, v >>> 16);
    }
}
