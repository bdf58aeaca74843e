package dev.anvillm.client;

import java.util.ArrayList;
import java.util.List;

/**
 * A backend of {@code agent/backends}: {@code name TAB ok|unavailable TAB description-or-reason}.
 *
 * @param note what it is when available, why it cannot start when not
 */
public record Backend(String name, boolean available, String note) {
    public static List<Backend> parseList(String text) {
        List<Backend> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split("\t", 3);
            if (f.length < 2 || f[0].isEmpty()) continue;
            out.add(new Backend(f[0], f[1].equals("ok"), f.length > 2 ? f[2] : ""));
        }
        return out;
    }
}
