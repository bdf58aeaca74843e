package dev.anvillm.tui;

import com.googlecode.lanterna.terminal.ansi.UnixTerminal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Lanterna's Unix terminal, taken into raw mode by one {@code stty} run instead of four (each is
 * a process: together they were a fifth of the start-up). What it restores at exit is unchanged:
 * the settings saved by {@code stty -g}.
 */
final class RawTerminal extends UnixTerminal {
    RawTerminal() throws IOException {
        super(System.in, System.out, StandardCharsets.UTF_8, CtrlCBehaviour.TRAP);
    }

    @Override
    protected void canonicalMode(boolean enabled) throws IOException {
        if (enabled) super.canonicalMode(true);
        else runSTTYCommand("-icanon", "min", "1", "-echo", "intr", "undef");
    }

    @Override
    protected void keyEchoEnabled(boolean enabled) throws IOException {
        if (enabled) super.keyEchoEnabled(true); // off already, with the rest of raw mode
    }

    @Override
    protected void keyStrokeSignalsEnabled(boolean enabled) throws IOException {
        if (enabled) super.keyStrokeSignalsEnabled(true);
    }
}
