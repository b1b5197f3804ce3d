package io.emostream.reporting.persistence;

/** Direction of a time-ordered list; ties are broken by id in the same direction. */
public enum SortOrder {
    ASC,
    DESC;

    String sql() {
        return name();
    }

    /** The keyset comparison that continues after a cursor in this direction. */
    String after() {
        return this == ASC ? ">" : "<";
    }
}
