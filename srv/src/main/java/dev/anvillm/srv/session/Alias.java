package dev.anvillm.srv.session;

import java.util.regex.Pattern;

/** What a session alias may be (SPEC §4): 1–64 of {@code [A-Za-z0-9_-]}, and not shaped like an id. */
public final class Alias {
    /** The rule, as error messages state it. */
    public static final String RULE = "1-64 of A-Z a-z 0-9 _ - and not 8 hex digits";

    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}");

    private Alias() {}

    public static boolean valid(String alias) {
        return SHAPE.matcher(alias).matches() && !looksLikeId(alias);
    }

    /** Session ids are 8 lowercase hex characters; an alias of that shape could shadow one. */
    public static boolean looksLikeId(String name) {
        return ID.matcher(name).matches();
    }
}
