package dev.anvillm.ninep.tree;

import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.ReadRequest;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Read-only text; a read at offset 0 takes a fresh copy that later offsets of the same fid read from. */
final class TextFile implements File.Behavior {
    private final Supplier<String> content;

    TextFile(Supplier<String> content) {
        this.content = content;
    }

    @Override
    public void read(Fid fid, ReadRequest r) {
        byte[] snap = fid.aux();
        if (r.offset() == 0 || snap == null) {
            snap = content();
            fid.aux(snap);
        }
        r.respondFrom(snap);
    }

    @Override
    public byte[] content() {
        return content.get().getBytes(StandardCharsets.UTF_8);
    }
}
