package io.longstream.state.cache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Turns one page of a {@link HeadCache} (a fixed run of {@link #SLOTS_PER_PAGE} consecutive slots)
 * into bytes and back, entries exactly as stored (no re-rounding), so a restored session is
 * bit-identical. Layout, little-endian: magic 'K', version 2, dtype ordinal, headDim (u16), slots
 * n (u16), then n positions (i32, {@link HeadCache#FREE} for a free slot), for INT8 n key scales and
 * n value scales (f32), then n·headDim keys and n·headDim values in the cache dtype (zeros in free
 * slots).
 */
public final class KvPageCodec {
    public static final int SLOTS_PER_PAGE = 64;
    private static final byte MAGIC = 'K';
    private static final byte VERSION = 2;
    private static final int HEADER = 7;

    private KvPageCodec() {
    }

    /** Pages needed for {@code slots} slots. */
    public static int pages(int slots) {
        return (slots + SLOTS_PER_PAGE - 1) / SLOTS_PER_PAGE;
    }

    /** The bytes of page {@code page} of {@code head} (a page past the end encodes as empty). */
    public static byte[] encode(HeadCache head, int page) {
        int first = page * SLOTS_PER_PAGE;
        int n = Math.max(0, Math.min(SLOTS_PER_PAGE, head.slots() - first));
        int hd = head.headDim();
        CacheDtype dtype = head.dtype();
        ByteBuffer out = ByteBuffer.allocate(length(n, hd, dtype)).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put(VERSION).put((byte) dtype.ordinal()).putShort((short) hd).putShort((short) n);
        int[] positions = head.positionsArray();
        for (int i = 0; i < n; i++) {
            out.putInt(positions[first + i]);
        }
        if (dtype == CacheDtype.F32) {
            out.asFloatBuffer().put(head.keys32(), first * hd, n * hd).put(head.values32(), first * hd, n * hd);
        } else if (dtype == CacheDtype.INT8) {
            out.asFloatBuffer().put(head.keyScales(), first, n).put(head.valueScales(), first, n);
            out.position(out.position() + 2 * n * Float.BYTES);
            out.put(head.keys8(), first * hd, n * hd).put(head.values8(), first * hd, n * hd);
        } else {
            out.asShortBuffer().put(head.keys16(), first * hd, n * hd).put(head.values16(), first * hd, n * hd);
        }
        return out.array();
    }

    /**
     * Writes an encoded page back as page {@code page} of {@code head}, which must already hold every
     * slot before it (restore pages in order).
     */
    public static void decode(byte[] bytes, HeadCache head, int page) {
        ByteBuffer in = header(bytes);
        CacheDtype dtype = CacheDtype.values()[in.get(2)];
        int hd = in.getShort(3) & 0xFFFF;
        int n = in.getShort(5) & 0xFFFF;
        if (dtype != head.dtype() || hd != head.headDim()) {
            throw new IllegalArgumentException("page holds " + dtype + " entries of dim " + hd + ", the cache " + head.dtype()
                    + " of dim " + head.headDim());
        }
        if (bytes.length != length(n, hd, dtype)) {
            throw new IllegalArgumentException("corrupt KV page: " + bytes.length + " bytes for " + n + " slots");
        }
        int first = page * SLOTS_PER_PAGE;
        if (head.slots() < first) {
            throw new IllegalArgumentException("page " + page + " restored before the pages preceding it");
        }
        head.resizeForRestore(first + n);
        in.position(HEADER);
        int[] positions = head.positionsArray();
        for (int i = 0; i < n; i++) {
            positions[first + i] = in.getInt();
        }
        if (dtype == CacheDtype.F32) {
            in.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(head.keys32(), first * hd, n * hd).get(head.values32(), first * hd, n * hd);
        } else if (dtype == CacheDtype.INT8) {
            in.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(head.keyScales(), first, n).get(head.valueScales(), first, n);
            in.position(in.position() + 2 * n * Float.BYTES);
            in.get(head.keys8(), first * hd, n * hd).get(head.values8(), first * hd, n * hd);
        } else {
            in.slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(head.keys16(), first * hd, n * hd).get(head.values16(), first * hd, n * hd);
        }
        head.restored(first, first + n);
    }

    private static int length(int n, int headDim, CacheDtype dtype) {
        return HEADER + (int) (n * HeadCache.entryBytes(headDim, dtype));
    }

    private static ByteBuffer header(byte[] bytes) {
        if (bytes.length < HEADER || bytes[0] != MAGIC || bytes[1] != VERSION) {
            throw new IllegalArgumentException("not a KV page (bad magic or version)");
        }
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
