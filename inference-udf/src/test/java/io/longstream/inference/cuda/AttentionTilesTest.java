package io.longstream.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** How attention's blocks cut a pass's rows (no GPU needed). */
class AttentionTilesTest {
    /** Steps of 5, 1 and 8 rows in tiles of 4: no tile crosses a step, every row is in exactly one tile. */
    @Test
    void tilesCoverEveryRowOnceWithinItsStep() {
        int[] start = {0, 5, 6, 14};
        assertArrayEquals(new int[] {0, 4, 4, 1, 5, 1, 6, 4, 10, 4}, Kernels.Attention.tiles(start, 4));
    }

    /** Rows to a tile fill 16 warps with whole query groups, but never exceed the longest step (decode: one row). */
    @Test
    void rowTileFillsTheBlockButNotPastTheLongestStep() {
        assertEquals(4, Kernels.Attention.rowTile(new int[] {0, 512, 1024}, 4));
        assertEquals(1, Kernels.Attention.rowTile(new int[] {0, 1, 2, 3}, 4));
        assertEquals(3, Kernels.Attention.rowTile(new int[] {0, 3, 4}, 2));
        assertEquals(1, Kernels.Attention.rowTile(new int[] {0, 512}, 32));
    }
}
