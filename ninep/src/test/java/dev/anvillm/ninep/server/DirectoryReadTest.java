package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.Stat;
import dev.anvillm.ninep.proto.Message.*;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Directory reads and Tstat (SPEC §3). */
class DirectoryReadTest extends ServedTreeTest {
    void openDir(int fid, String... names) throws Exception {
        c.call(new Twalk(0, 0, fid, List.of(names)), Rwalk.class);
        c.call(new Topen(0, fid, 0), Ropen.class);
    }

    /** Reads the whole directory with reads of {@code count}, checking each reply holds whole entries. */
    List<Stat> readAll(int fid, int count) throws Exception {
        List<Stat> all = new ArrayList<>();
        long offset = 0;
        for (int reads = 0; ; reads++) {
            assertTrue(reads < 1000, "directory read never reached its end");
            byte[] data = c.call(new Tread(0, fid, offset, count), Rread.class).data();
            assertTrue(data.length <= count);
            if (data.length == 0) return all;
            List<Stat> entries = Codec.decodeStats(data); // throws on a partial entry
            assertFalse(entries.isEmpty());
            all.addAll(entries);
            offset += data.length;
        }
    }

    static List<String> names(List<Stat> entries) {
        return entries.stream().map(Stat::name).toList();
    }

    @Test
    void directoryReadsReturnWholeEntriesAtConsistentOffsets() throws Exception {
        openDir(1, "d");
        List<Stat> entries = readAll(1, 8192 - Codec.IOHDRSZ);
        assertEquals(TestTree.D_ENTRIES, entries.size());
        for (int i = 0; i < entries.size(); i++) assertEquals(String.format("f%03d", i), entries.get(i).name());
    }

    @Test
    void everyReadSizeGivesTheSameEntries() throws Exception {
        openDir(1, "d");
        List<String> expected = names(readAll(1, 8192 - Codec.IOHDRSZ));
        int oneEntry = Codec.encodeStat(c.call(new Tstat(0, 1), Rstat.class).stat()).length;
        assertTrue(oneEntry < 100, "the smallest read below still holds an entry");
        for (int count : new int[] {100, 137, 500, 1000, 4096}) {
            c.call(new Tclunk(0, 1), Rclunk.class);
            openDir(1, "d");
            assertEquals(expected, names(readAll(1, count)), "reads of " + count + " bytes");
        }
    }

    @Test
    void aSmallReadReturnsFewerEntriesNeverAPartialOne() throws Exception {
        openDir(1, "d");
        byte[] first = c.call(new Tread(0, 1, 0, 8192 - Codec.IOHDRSZ), Rread.class).data();
        List<Stat> all = Codec.decodeStats(first);
        int one = all.get(0).wireSize();
        int two = one + all.get(1).wireSize();

        c.call(new Tclunk(0, 1), Rclunk.class);
        openDir(1, "d");
        byte[] small = c.call(new Tread(0, 1, 0, two - 1), Rread.class).data();
        assertEquals(one, small.length, "a count one byte short of two entries gives one entry");
        assertEquals(List.of("f000"), names(Codec.decodeStats(small)));
        byte[] next = c.call(new Tread(0, 1, small.length, two - 1), Rread.class).data();
        assertEquals(List.of("f001"), names(Codec.decodeStats(next)));
    }

    @Test
    void aReadAtAnInconsistentOffsetIsAnError() throws Exception {
        openDir(1, "d");
        c.error(new Tread(0, 1, 10, 4096));
        byte[] first = c.call(new Tread(0, 1, 0, 4096), Rread.class).data();
        c.error(new Tread(0, 1, first.length + 1, 4096));
        c.error(new Tread(0, 1, first.length - 1, 4096));
        byte[] second = c.call(new Tread(0, 1, first.length, 4096), Rread.class).data();
        assertEquals("f0", names(Codec.decodeStats(second)).get(0).substring(0, 2));
        assertArrayEquals(first, c.call(new Tread(0, 1, 0, 4096), Rread.class).data(), "offset 0 starts over");
    }

    @Test
    void theRootListsItsEntriesInOrder() throws Exception {
        openDir(1);
        assertEquals(List.of("list", "mutable", "big", "ctl", "in", "alias", "events", "whoami", "d", "a"),
                names(readAll(1, 8192 - Codec.IOHDRSZ)));
    }

    @Test
    void statOfEachChildAgreesWithItsDirectoryEntry() throws Exception {
        openDir(1);
        for (Stat entry : readAll(1, 8192 - Codec.IOHDRSZ)) {
            c.call(new Twalk(0, 0, 2, List.of(entry.name())), Rwalk.class);
            Stat st = c.call(new Tstat(0, 2), Rstat.class).stat();
            c.call(new Tclunk(0, 2), Rclunk.class);
            assertEquals(entry, st, entry.name());
        }
    }

    @Test
    void entriesCarryModeOwnerLengthAndTimes() throws Exception {
        openDir(1);
        String user = System.getProperty("user.name");
        for (Stat e : readAll(1, 8192 - Codec.IOHDRSZ)) {
            assertEquals(user, e.uid(), e.name());
            assertEquals(user, e.gid(), e.name());
            assertEquals(user, e.muid(), e.name());
            assertEquals(e.isDir(), e.qid().isDir(), e.name());
            assertTrue(e.mtime() > 1_600_000_000L, e.name() + " mtime " + e.mtime());
            switch (e.name()) {
                case "list" -> { assertEquals(0444, e.mode()); assertEquals(TestTree.LIST.length(), e.length()); }
                case "big" -> assertEquals(10000, e.length());
                case "ctl" -> assertEquals(0600, e.mode());
                case "in" -> assertEquals(0200, e.mode());
                case "d", "a" -> { assertEquals(Stat.DMDIR | 0555, e.mode()); assertEquals(0, e.length()); }
                default -> { }
            }
        }
    }
}
