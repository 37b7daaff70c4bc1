package io.longstream.inference.text;

import java.util.Arrays;

/**
 * A session's tokens not yet consumed: appended at the end, taken from the front in chunks. It grows by doubling and
 * reuses the room freed at the front, so appending a turn costs the turn, not the whole buffer.
 */
public final class TokenBuffer {
    private int[] ids = new int[256];
    private int from;
    private int to;

    public void append(int[] tokens) {
        if (to + tokens.length > ids.length) {
            int length = length();
            int[] room = length + tokens.length > ids.length ? new int[Math.max(2 * ids.length, length + tokens.length)] : ids;
            System.arraycopy(ids, from, room, 0, length);
            ids = room;
            from = 0;
            to = length;
        }
        System.arraycopy(tokens, 0, ids, to, tokens.length);
        to += tokens.length;
    }

    public int length() {
        return to - from;
    }

    /** The token at {@code index} from the front. */
    public int get(int index) {
        if (index < 0 || index >= length()) {
            throw new IndexOutOfBoundsException("token " + index + " of " + length());
        }
        return ids[from + index];
    }

    /** Removes and returns the first {@code count} tokens. */
    public int[] take(int count) {
        if (count < 0 || count > length()) {
            throw new IllegalArgumentException("take " + count + " of " + length() + " tokens");
        }
        int[] taken = Arrays.copyOfRange(ids, from, from + count);
        from += count;
        return taken;
    }

    /** Where {@code run} last starts in the buffer (from the front), or -1. */
    public int lastIndexOf(int[] run) {
        for (int at = length() - run.length; at >= 0; at--) {
            if (Arrays.equals(ids, from + at, from + at + run.length, run, 0, run.length)) {
                return at;
            }
        }
        return -1;
    }
}
