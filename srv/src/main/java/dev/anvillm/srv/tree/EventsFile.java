package dev.anvillm.srv.tree;

import dev.anvillm.ninep.server.ClunkRequest;
import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.ReadRequest;
import dev.anvillm.ninep.tree.File;
import dev.anvillm.srv.session.EventBus;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code events}: each open is a reader of the bus, starting with the live sessions' states. Offsets
 * are ignored (a stream); a read with nothing to say waits until there is, or until Tflush or clunk.
 */
final class EventsFile implements File.Behavior {
    private final EventBus bus;
    private final Supplier<List<String>> states;

    EventsFile(EventBus bus, Supplier<List<String>> states) {
        this.bus = bus;
        this.states = states;
    }

    @Override
    public void open(Fid fid) {
        fid.aux(bus.open(states));
    }

    @Override
    public void read(Fid fid, ReadRequest r) {
        EventBus.Reader reader = fid.aux();
        Consumer<byte[]> answer = r::respond;
        reader.read(r.count(), answer);
        // After read: a request flushed before this line withdraws at once.
        r.onCancel(() -> reader.withdraw(answer));
    }

    @Override
    public void clunk(Fid fid, ClunkRequest r) {
        EventBus.Reader reader = fid.aux();
        reader.close();
        r.respond();
    }
}
