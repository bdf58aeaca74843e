package dev.anvillm.srv.supervise;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A child for {@link ExitWatchTest}: a JVM that waits for a line on stdin, then runs execve of
 * its arguments from Java's main thread, which is not the process's first thread, as a spare
 * launcher does when it starts a backend.
 */
public final class ExecFromAThread {
    public static void main(String[] args) throws Throwable {
        System.out.println("ready");
        System.out.flush();
        System.in.read();
        Linker linker = Linker.nativeLinker();
        MethodHandle execv = linker.downcallHandle(linker.defaultLookup().find("execv").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        Arena arena = Arena.global();
        MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, args.length + 1);
        for (int i = 0; i < args.length; i++) argv.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(args[i]));
        argv.setAtIndex(ValueLayout.ADDRESS, args.length, MemorySegment.NULL);
        int r = (int) execv.invokeExact(arena.allocateFrom(args[0]), argv);
        System.err.println("execv failed: " + r);
        System.exit(1);
    }
}
