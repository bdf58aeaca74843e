package dev.anvillm.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Bytes of a stream cut into whole lines (a read may end mid-line, or mid-character). */
final class Lines {
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    /** Adds {@code data}; returns the whole lines it completed (each with its newline), or "". */
    String add(byte[] data) {
        int last = -1;
        for (int i = data.length - 1; i >= 0; i--) {
            if (data[i] == '\n') {
                last = i;
                break;
            }
        }
        if (last < 0) {
            partial.write(data, 0, data.length);
            return "";
        }
        partial.write(data, 0, last + 1);
        String whole = partial.toString(StandardCharsets.UTF_8);
        partial.reset();
        partial.write(data, last + 1, data.length - last - 1);
        return whole;
    }

    /** What is left after the last newline. */
    String rest() {
        String r = partial.toString(StandardCharsets.UTF_8);
        partial.reset();
        return r;
    }
}
