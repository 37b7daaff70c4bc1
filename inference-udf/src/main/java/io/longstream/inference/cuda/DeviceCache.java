package io.longstream.inference.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.RopeMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * A session's KV cache on the device, slot for slot as the host {@link KvCache} holds it: the same slots, positions,
 * free slots and cache dtype (one allocation; regions [layers][kvHeads][capacity][...] as kernels.cu's CacheView
 * describes). Before a pass it loads what changed on the host since it last looked (the appends since, or a whole
 * head when existing entries changed: an eviction, a rollback, a restore); the pass itself writes its rows' entries
 * on the device at the slots the host's appends then take, rounded the same way.
 */
final class DeviceCache implements AutoCloseable {
    /** Bytes of a CacheView at the start of the allocation, and the alignment of every region. */
    private static final long VIEW_BYTES = 256;
    /** sizeof(CacheView) in kernels.cu. */
    static final int VIEW_SIZE = 64;

    private final Kernels kernels;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final CacheDtype dtype;
    private DeviceArray memory;
    private int capacity;
    /** Byte offsets of keys, values, key scales, value scales, positions, RoPE indices, spans. */
    private final long[] offsets = new long[7];
    private final long[] revision;
    private final int[] seen;
    private final int[] live;
    private RopeMode mode;

    /** Where this pass's rows go: slots[layer][row][kvHead] and their RoPE indices, the queries' too. */
    static final class Plan {
        final int[][] slots;
        final int[][] ropes;

        Plan(int[][] slots, int[][] ropes) {
            this.slots = slots;
            this.ropes = ropes;
        }
    }

    DeviceCache(Kernels kernels, KvCache host) {
        this.kernels = kernels;
        this.layers = host.layers();
        this.kvHeads = host.kvHeads();
        this.headDim = host.headDim();
        this.dtype = host.dtype();
        this.revision = new long[layers * kvHeads];
        this.seen = new int[layers * kvHeads];
        this.live = new int[layers * kvHeads];
    }

    /** The kernels' code of the cache dtype: 0 f32, 1 bf16, 2 f16, 3 int8. */
    private int dtypeCode() {
        switch (dtype) {
            case F32:
                return 0;
            case BF16:
                return 1;
            case F16:
                return 2;
            default:
                return 3;
        }
    }

    /** The CacheView of this cache ({@link #VIEW_SIZE} bytes at the start of its allocation). */
    CUdeviceptr view() {
        return memory.ptr();
    }

    long bytes() {
        return memory == null ? 0 : memory.bytes();
    }

    /**
     * Brings the device copy up to the host's cache and plans where {@code rows} new entries at {@code positions}
     * go; the host appends them, in row order, after the pass ({@link #appended}).
     */
    Plan prepare(KvCache host, int[] positions) {
        int rows = positions.length;
        int heads = layers * kvHeads;
        int[][] next = new int[heads][];
        int[] spans = new int[heads];
        int needed = 1;
        for (int i = 0; i < heads; i++) {
            HeadCache head = head(host, i);
            next[i] = head.nextAppendSlots(rows);
            spans[i] = head.slots();
            for (int slot : next[i]) {
                spans[i] = Math.max(spans[i], slot + 1);
            }
            needed = Math.max(needed, spans[i]);
        }
        boolean all = memory == null || needed > capacity || host.ropeMode() != mode;
        if (needed > capacity) {
            allocate(Math.max(needed, Math.max(64, capacity * 2)));
        }
        mode = host.ropeMode();
        for (int i = 0; i < heads; i++) {
            HeadCache head = head(host, i);
            if (all || head.revision() != revision[i]) {
                loadHead(i, head);
            } else {
                for (int a = seen[i]; a < head.appendedCount(); a++) {
                    loadSlot(i, head, head.appendedSlot(a), live[i]++);
                }
                seen[i] = head.appendedCount();
            }
        }
        cuMemcpyHtoD(memory.at(offsets[6]), Pointer.to(spans), 4L * heads);
        int[][] slots = new int[layers][rows * kvHeads];
        int[][] ropes = new int[layers][rows * kvHeads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                int i = l * kvHeads + h;
                for (int r = 0; r < rows; r++) {
                    slots[l][r * kvHeads + h] = next[i][r];
                    ropes[l][r * kvHeads + h] = mode == RopeMode.ORIGINAL ? positions[r] : live[i] + r;
                }
            }
        }
        return new Plan(slots, ropes);
    }

    /** The host appended this pass's {@code rows} entries to every head, which the device already holds. */
    void appended(KvCache host, int rows) {
        for (int i = 0; i < layers * kvHeads; i++) {
            HeadCache head = head(host, i);
            if (head.revision() == revision[i]) {
                seen[i] = head.appendedCount();
                live[i] += rows;
            }
        }
    }

    /**
     * Where this device copy differs from {@code host} (slot positions and stored bits of the used slots, read back
     * from the device), or null when it mirrors it or holds no copy yet: the check that device and host round entries
     * alike. Slots the host freed since are not compared.
     */
    String differences(KvCache host) {
        if (memory == null) {
            return null;
        }
        for (int i = 0; i < layers * kvHeads; i++) {
            HeadCache head = head(host, i);
            int slots = head.slots();
            if (slots == 0) {
                continue;
            }
            if (slots > capacity) {
                return "head " + i + " spans " + slots + " slots, the device holds " + capacity;
            }
            long entry = (long) i * capacity;
            int elements = slots * headDim;
            int half = elements * dtype.bytes();
            ByteBuffer expected = ByteBuffer.allocate(2 * half + (dtype == CacheDtype.INT8 ? 8 * slots : 0))
                    .order(ByteOrder.nativeOrder());
            head.writeStored(0, slots, expected);
            byte[] actual = new byte[expected.capacity()];
            byte[] part = new byte[half];
            cuMemcpyDtoH(Pointer.to(part), memory.at(offsets[0] + entry * headDim * dtype.bytes()), half);
            System.arraycopy(part, 0, actual, 0, half);
            cuMemcpyDtoH(Pointer.to(part), memory.at(offsets[1] + entry * headDim * dtype.bytes()), half);
            System.arraycopy(part, 0, actual, half, half);
            if (dtype == CacheDtype.INT8) {
                byte[] scales = new byte[4 * slots];
                cuMemcpyDtoH(Pointer.to(scales), memory.at(offsets[2] + 4 * entry), 4L * slots);
                System.arraycopy(scales, 0, actual, 2 * half, 4 * slots);
                cuMemcpyDtoH(Pointer.to(scales), memory.at(offsets[3] + 4 * entry), 4L * slots);
                System.arraycopy(scales, 0, actual, 2 * half + 4 * slots, 4 * slots);
            }
            int[] positions = new int[slots];
            cuMemcpyDtoH(Pointer.to(positions), memory.at(offsets[4] + 4 * entry), 4L * slots);
            int bytesPerSlot = headDim * dtype.bytes();
            for (int slot = 0; slot < slots; slot++) {
                int p = head.position(slot);
                if (p == HeadCache.FREE) {
                    continue;
                }
                if (positions[slot] != p) {
                    return "head " + i + " slot " + slot + ": position " + positions[slot] + " on the device, " + p + " on the host";
                }
                for (int region = 0; region < 2; region++) {
                    int from = region * half + slot * bytesPerSlot;
                    if (!Arrays.equals(expected.array(), from, from + bytesPerSlot, actual, from, from + bytesPerSlot)) {
                        return "head " + i + " slot " + slot + " (position " + p + "): the device's " + (region == 0 ? "key" : "value")
                                + " differs from the host's stored bits";
                    }
                }
                if (dtype == CacheDtype.INT8) {
                    for (int region = 0; region < 2; region++) {
                        int from = 2 * half + region * 4 * slots + 4 * slot;
                        if (!Arrays.equals(expected.array(), from, from + 4, actual, from, from + 4)) {
                            return "head " + i + " slot " + slot + ": the device's int8 scale differs from the host's";
                        }
                    }
                }
            }
        }
        return null;
    }

    private HeadCache head(KvCache host, int i) {
        return host.head(i / kvHeads, i % kvHeads);
    }

    private void allocate(int slots) {
        if (memory != null) {
            memory.close();
        }
        long heads = (long) layers * kvHeads;
        long entries = heads * slots;
        long[] sizes = {
            entries * headDim * dtype.bytes(), entries * headDim * dtype.bytes(),
            dtype == CacheDtype.INT8 ? 4 * entries : 0, dtype == CacheDtype.INT8 ? 4 * entries : 0,
            4 * entries, 4 * entries, 4 * heads
        };
        long at = VIEW_BYTES;
        for (int r = 0; r < sizes.length; r++) {
            offsets[r] = at;
            at += (sizes[r] + VIEW_BYTES - 1) / VIEW_BYTES * VIEW_BYTES;
        }
        memory = new DeviceArray(at);
        capacity = slots;
        kernels.writeView(memory.ptr(), offsets, capacity, dtypeCode());
    }

    /** Loads every slot of head i (free ones as invisible zeros). */
    private void loadHead(int i, HeadCache head) {
        int slots = head.slots();
        int[] positions = new int[slots];
        int[] ropes = new int[slots];
        for (int slot = 0; slot < slots; slot++) {
            int p = head.position(slot);
            positions[slot] = p == HeadCache.FREE ? Integer.MAX_VALUE : p;
            ropes[slot] = p == HeadCache.FREE ? 0 : p;
        }
        if (mode == RopeMode.RANK) {
            int rank = 0;
            for (int slot : head.slotsByPosition()) {
                ropes[slot] = rank++;
            }
        }
        upload(i, 0, slots, head, positions, ropes);
        revision[i] = head.revision();
        seen[i] = head.appendedCount();
        live[i] = head.size();
    }

    private void loadSlot(int i, HeadCache head, int slot, int rank) {
        int p = head.position(slot);
        upload(i, slot, 1, head, new int[] {p}, new int[] {mode == RopeMode.ORIGINAL ? p : rank});
    }

    /** Uploads slots [from, from + count) of head i: stored entries, positions, RoPE indices. */
    private void upload(int i, int from, int count, HeadCache head, int[] positions, int[] ropes) {
        if (count == 0) {
            return;
        }
        long entry = (long) i * capacity + from;
        int elements = count * headDim;
        ByteBuffer stored = ByteBuffer.allocate(2 * elements * dtype.bytes() + (dtype == CacheDtype.INT8 ? 8 * count : 0))
                .order(ByteOrder.nativeOrder());
        head.writeStored(from, count, stored);
        byte[] bytes = stored.array();
        int half = elements * dtype.bytes();
        copy(offsets[0] + entry * headDim * dtype.bytes(), Arrays.copyOfRange(bytes, 0, half));
        copy(offsets[1] + entry * headDim * dtype.bytes(), Arrays.copyOfRange(bytes, half, 2 * half));
        if (dtype == CacheDtype.INT8) {
            copy(offsets[2] + 4 * entry, Arrays.copyOfRange(bytes, 2 * half, 2 * half + 4 * count));
            copy(offsets[3] + 4 * entry, Arrays.copyOfRange(bytes, 2 * half + 4 * count, 2 * half + 8 * count));
        }
        cuMemcpyHtoD(memory.at(offsets[4] + 4 * entry), Pointer.to(positions), 4L * count);
        cuMemcpyHtoD(memory.at(offsets[5] + 4 * entry), Pointer.to(ropes), 4L * count);
    }

    private void copy(long offset, byte[] data) {
        cuMemcpyHtoD(memory.at(offset), Pointer.to(data), data.length);
    }

    @Override
    public void close() {
        if (memory != null) {
            memory.close();
            memory = null;
        }
    }
}
